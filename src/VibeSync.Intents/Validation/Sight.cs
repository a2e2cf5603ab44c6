using VibeSync.Intents.Reality;

namespace VibeSync.Intents.Validation;

/// <summary>What the one who submits an intent may see of Reality while it is validated.</summary>
public enum Sight
{
    /// <summary>Every record: humans, the orchestrator, engines, and an AI's intent once a human approved it.</summary>
    Everything,
    /// <summary>What <see cref="AiVisibility"/> lets an AI see: anything else answers as if it did not exist.</summary>
    Ai,
}

/// <summary>A valid intent: the Reality it makes, and whether it reaches records its submitter may not see.</summary>
/// <param name="Reality">Reality after the intent.</param>
/// <param name="ReachesUnseen">
/// Under <see cref="Sight.Ai"/>: the intent would delete or move an object the AI may not see (a
/// hidden child of an object it deletes), or is held back only by one (a prefab nesting). It is not
/// refused, which would tell the AI that such a record exists: it waits for a human's approval.
/// </param>
public sealed record Validated(RealityScene Reality, bool ReachesUnseen);
