using System;

namespace VibeSync.Protocol.SceneJson
{
    /// <summary>
    /// Scene JSON that cannot be hashed. <see cref="Path"/> names the record and field
    /// (<c>objects[3].location[1]</c>) and is part of the contract shared with the Python reader.
    /// </summary>
    public sealed class SceneFormatException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public SceneFormatException(string path, string reason) : base($"{path}: {reason}")
        {
            Path = path;
            Reason = reason;
        }

        /// <summary>Where the problem is, e.g. <c>objects[3].location[1]</c>, or <c>json</c>.</summary>
        public string Path { get; }

        /// <summary>What is wrong, for humans.</summary>
        public string Reason { get; }
    }
}
