namespace VibeSync.Intents.Pipeline;

/// <summary>What held the spine up, and when.</summary>
public enum SpineWork
{
    /// <summary>A batch's close: reads compared, rollbacks, finalize, Reality advanced (its FINAL entries queued unless <see cref="PipelineOptions.FinalChunk"/> is 0).</summary>
    Close,

    /// <summary>FINAL entries of a verified batch encoded and journaled.</summary>
    Finals,
}

/// <summary>
/// One piece of spine work between <paramref name="Start"/> and <paramref name="End"/>
/// (<see cref="System.Diagnostics.Stopwatch"/> timestamps); <paramref name="Entries"/> the FINAL entries it journaled.
/// </summary>
public readonly record struct SpineSpan(SpineWork Work, long Start, long End, int Entries);
