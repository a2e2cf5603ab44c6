namespace VibeSync.Protocol.Intents
{
    /// <summary>
    /// Why the orchestrator rolled an intent back: the WAL entry's <c>rollback.reason</c> and the code
    /// agents and humans are told (docs/intents.md). One place, so the journal, the retry policy and
    /// start-up recovery agree on the words.
    /// </summary>
    public static class RollbackReasons
    {
        /// <summary>An engine held something other than what the intent should have made (field-wise, beyond ε).</summary>
        public const string HashMismatch = "HASH_MISMATCH";

        /// <summary>A human's edit of the same objects won (humans outrank AI).</summary>
        public const string HumanEdit = "HUMAN_EDIT";

        /// <summary>Another actor's intent on the same objects won by the conflict table.</summary>
        public const string Conflict = "CONFLICT";

        /// <summary>An engine failed, timed out or panicked while the intent was provisional.</summary>
        public const string EngineFault = "ENGINE_FAULT";
    }
}
