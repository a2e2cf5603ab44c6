namespace VibeSync.Link.Tests;

/// <summary>
/// Tests that measure the memory the whole test process holds (GC.GetTotalMemory) run alone: xUnit
/// runs other test classes in parallel in the same process, and their allocations would count as
/// the server's (a 60 MB transfer's bound failed by 0.7 MiB that way under a full suite).
/// </summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public sealed class ProcessMemory
{
    /// <summary>The collection's name.</summary>
    public const string Collection = "process memory";
}
