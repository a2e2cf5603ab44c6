namespace VibeSync.Link.Tests.Support;

/// <summary>
/// Tests that flood a serve (junk processes, fuzzers): run one at a time, so that the timings one
/// of them measures under its own flood are not another's flood on the same two cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class UnderAttack
{
    public const string Name = "a serve under attack";
}
