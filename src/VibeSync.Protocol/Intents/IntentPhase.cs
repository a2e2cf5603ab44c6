// The intents' vocabulary (issue #20 §5): where an intent stands and how it is classified. It sits
// below the WAL (which journals it), the intent engine (which decides it) and every reader of
// either (status, MCP, the console), so none of them owns the others' words.
using System;

namespace VibeSync.Protocol.Intents
{
    /// <summary>
    /// Where an intent stands. Each change of phase is a new record; nothing is rewritten in place.
    /// The byte values are part of the on-disk format (docs/wal.md).
    /// </summary>
    public enum IntentPhase : byte
    {
        /// <summary>Accepted, waiting for approval or a lock; not applied anywhere.</summary>
        Pending = 1,
        /// <summary>Applied provisionally in the engines; not yet verified.</summary>
        Provisional = 2,
        /// <summary>Verified; advances Reality.</summary>
        Final = 3,
        /// <summary>Undone by the orchestrator; kept as evidence.</summary>
        RolledBack = 4,
        /// <summary>Conflicting; halts causality for the engine until a human acts.</summary>
        Quarantined = 5,
        /// <summary>Refused before it was applied (invalid, stale, denied).</summary>
        Refused = 6,
    }

    /// <summary>How an intent is classified, mechanically, from its operations.</summary>
    public enum IntentClass : byte
    {
        /// <summary>Transforms, material parameters, visibility.</summary>
        Cosmetic = 1,
        /// <summary>Parenting, creation, instantiation, modifier stacks.</summary>
        Structural = 2,
        /// <summary>Deletion, mesh overwrite, asset replacement.</summary>
        Destructive = 3,
    }

    /// <summary>Wire and JSON names of phases and classes.</summary>
    public static class PhaseNames
    {
        /// <summary>UPPER_SNAKE name, e.g. <c>ROLLED_BACK</c>.</summary>
        public static string Name(IntentPhase phase) => phase switch
        {
            IntentPhase.Pending => "PENDING",
            IntentPhase.Provisional => "PROVISIONAL",
            IntentPhase.Final => "FINAL",
            IntentPhase.RolledBack => "ROLLED_BACK",
            IntentPhase.Quarantined => "QUARANTINED",
            IntentPhase.Refused => "REFUSED",
            _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "unknown phase"),
        };

        /// <summary>True for the byte values this version knows.</summary>
        public static bool IsKnown(byte value) => value >= 1 && value <= 6;

        /// <summary>Parses an UPPER_SNAKE phase name.</summary>
        public static bool TryParse(string? text, out IntentPhase phase)
        {
            foreach (IntentPhase p in (IntentPhase[])Enum.GetValues(typeof(IntentPhase)))
                if (Name(p) == text) { phase = p; return true; }
            phase = default;
            return false;
        }

        /// <summary>lowercase class name, e.g. <c>cosmetic</c>.</summary>
        public static string Name(IntentClass c) => c switch
        {
            IntentClass.Cosmetic => "cosmetic",
            IntentClass.Structural => "structural",
            IntentClass.Destructive => "destructive",
            _ => throw new ArgumentOutOfRangeException(nameof(c), c, "unknown intent class"),
        };

        /// <summary>Parses a lowercase class name.</summary>
        public static bool TryParse(string? text, out IntentClass c)
        {
            switch (text)
            {
                case "cosmetic": c = IntentClass.Cosmetic; return true;
                case "structural": c = IntentClass.Structural; return true;
                case "destructive": c = IntentClass.Destructive; return true;
                default: c = default; return false;
            }
        }
    }
}
