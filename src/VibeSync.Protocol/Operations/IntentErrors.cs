using System;
using System.Collections.Generic;
namespace VibeSync.Protocol.Operations
{
    /// <summary>Why an intent was refused. The wire names (UPPER_SNAKE) are what agents and logs see.</summary>
    public enum IntentErrorCode
    {
        /// <summary>Not JSON, or not an intent's shape.</summary>
        Malformed,
        /// <summary>An operation name this orchestrator does not know.</summary>
        UnknownOperation,
        /// <summary>A field the operation's schema does not have.</summary>
        UnknownField,
        /// <summary>A field the operation needs is absent.</summary>
        MissingField,
        /// <summary>A value of the wrong type, length or range.</summary>
        InvalidValue,
        /// <summary>NaN or ±Infinity (or a number beyond ±1e12) in a payload.</summary>
        NonFinite,
        /// <summary>A reference to something that does not exist.</summary>
        UnknownUuid,
        /// <summary>A reference to something deleted: tombstoned IDs are never reused or revived.</summary>
        Tombstoned,
        /// <summary>A new ID that is already taken.</summary>
        UuidInUse,
        /// <summary>A parent change that would make the hierarchy cyclic.</summary>
        Cycle,
        /// <summary>A destructive operation that leaves a dependent dangling.</summary>
        Closure,
        /// <summary>A prefab (Unity) / collection instance (Blender) nested inside an instance of the same asset: neither engine can hold it.</summary>
        Nesting,
        /// <summary>An AI actor named an object hidden from AI.</summary>
        HiddenFromAi,
        /// <summary>An object the intent was based on changed since it was read.</summary>
        Stale,
        /// <summary>An object an engine failed to hold as verified (a hash mismatch) that is not yet confirmed back in parity.</summary>
        Dirty,
        /// <summary>Over a limit of what one intent may be (operations, rationale, bytes, one WAL record).</summary>
        ResourceLimit,
        /// <summary>Admitting it failed in a way the orchestrator did not foresee: that intent's failure, nothing else's.</summary>
        Internal,
        /// <summary>A replace of a derived mesh (modifiers, a curve, text…) by anyone but its engine of origin.</summary>
        DerivedMesh,
        /// <summary>A mesh names a blob that is in no store (or, for an AI, one it may not reach).</summary>
        BlobMissing,
        /// <summary>A blob's element type, components or count is not what the mesh record needs.</summary>
        BlobShape,
        /// <summary>An index blob is not whole triangles, or names a vertex beyond vertex_count.</summary>
        IndexRange,
        /// <summary>A change to a material Blender cannot represent (its <c>unsynced</c> is set) from an origin other than Blender.</summary>
        UnrepresentableMaterial,
        /// <summary>set_light on a light whose parameters glTF cannot represent (an area light: <c>light</c> is null).</summary>
        UnrepresentableLight,
        /// <summary>An image blob is not a PNG or JPEG, or its header's size is not the record's.</summary>
        ImageFormat,
    }

    /// <summary>A refused intent: nothing of it was applied.</summary>
    public sealed class IntentRefusedException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public IntentRefusedException(IntentErrorCode code, string path, string reason)
            : base($"{WireName(code)} at {path}: {reason}")
        {
            Code = code;
            Path = path;
            Reason = reason;
        }

        /// <summary>Why.</summary>
        public IntentErrorCode Code { get; }

        /// <summary>Where in the intent, e.g. <c>operations[1].translation[2]</c>.</summary>
        public string Path { get; }

        /// <summary>A sentence a person or an agent can act on.</summary>
        public string Reason { get; }

        /// <summary>Current record hashes of the objects that made a STALE refusal, by uuid (hex).</summary>
        public IReadOnlyDictionary<string, string> CurrentHashes { get; init; } = new Dictionary<string, string>();

        /// <summary>The code as agents see it, e.g. <c>UNKNOWN_UUID</c>.</summary>
        public static string WireName(IntentErrorCode code) => code switch
        {
            IntentErrorCode.Malformed => "MALFORMED",
            IntentErrorCode.UnknownOperation => "UNKNOWN_OPERATION",
            IntentErrorCode.UnknownField => "UNKNOWN_FIELD",
            IntentErrorCode.MissingField => "MISSING_FIELD",
            IntentErrorCode.InvalidValue => "INVALID_VALUE",
            IntentErrorCode.NonFinite => "NON_FINITE",
            IntentErrorCode.UnknownUuid => "UNKNOWN_UUID",
            IntentErrorCode.Tombstoned => "TOMBSTONED",
            IntentErrorCode.UuidInUse => "UUID_IN_USE",
            IntentErrorCode.Cycle => "CYCLE",
            IntentErrorCode.Closure => "CLOSURE",
            IntentErrorCode.Nesting => "NESTING",
            IntentErrorCode.HiddenFromAi => "HIDDEN_FROM_AI",
            IntentErrorCode.Dirty => "DIRTY",
            IntentErrorCode.ResourceLimit => "RESOURCE_LIMIT",
            IntentErrorCode.Internal => "INTERNAL_ERROR",
            IntentErrorCode.DerivedMesh => "DERIVED_MESH",
            IntentErrorCode.BlobMissing => "BLOB_MISSING",
            IntentErrorCode.BlobShape => "BLOB_SHAPE",
            IntentErrorCode.IndexRange => "INDEX_RANGE",
            IntentErrorCode.UnrepresentableMaterial => "UNREPRESENTABLE_MATERIAL",
            IntentErrorCode.UnrepresentableLight => "UNREPRESENTABLE_LIGHT",
            IntentErrorCode.ImageFormat => "IMAGE_FORMAT",
            _ => "STALE",
        };
    }
}
