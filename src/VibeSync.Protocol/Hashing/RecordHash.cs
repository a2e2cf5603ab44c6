using VibeSync.Protocol.Crypto;
using VibeSync.Protocol.State;

namespace VibeSync.Protocol.Hashing
{
    /// <summary>Record hash = SHA-256 of the record's encoding (docs/protocol.md §4).</summary>
    public static class RecordHash
    {
        /// <summary>Hash of an object record.</summary>
        public static byte[] Of(SceneObject o) => Sha256.Hash(RecordEncoder.Encode(o));
        /// <summary>Hash of a material record.</summary>
        public static byte[] Of(Material m) => Sha256.Hash(RecordEncoder.Encode(m));
        /// <summary>Hash of a mesh record.</summary>
        public static byte[] Of(Mesh m) => Sha256.Hash(RecordEncoder.Encode(m));
        /// <summary>Hash of an image record.</summary>
        public static byte[] Of(Image i) => Sha256.Hash(RecordEncoder.Encode(i));
        /// <summary>Hash of a skin record.</summary>
        public static byte[] Of(Skin s) => Sha256.Hash(RecordEncoder.Encode(s));
        /// <summary>Hash of an animation record.</summary>
        public static byte[] Of(Animation a) => Sha256.Hash(RecordEncoder.Encode(a));
    }
}
