using System;
using VibeSync.Protocol.Spaces;

namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// An engine instance: <c>KIND</c> or <c>KIND:NAME</c> (docs/protocol.md §11.1). KIND is
    /// <c>blender</c> or <c>unity</c> and fixes the coordinate space; NAME matches
    /// <c>[a-z0-9][a-z0-9_-]{0,31}</c>. The default instances are the bare kinds, written so everywhere
    /// (HELLO, key derivation, key files, the WAL, status), so a setup of two engines reads as before.
    /// </summary>
    public sealed class EngineInstance : IEquatable<EngineInstance>
    {
        /// <summary>The longest NAME.</summary>
        public const int MaxNameLength = 32;

        private EngineInstance(string kind, string? name)
        {
            Kind = kind;
            Name = name;
        }

        /// <summary><c>blender</c> or <c>unity</c>.</summary>
        public string Kind { get; }

        /// <summary>The NAME after the colon; null for a default instance.</summary>
        public string? Name { get; }

        /// <summary>True for the bare <c>blender</c> and <c>unity</c>.</summary>
        public bool IsDefault => Name == null;

        /// <summary>The coordinate space its adapter writes in: its kind's.</summary>
        public Space Space => Kind == Engines.Unity ? Space.Unity : Space.Blender;

        /// <summary>
        /// Its bootstrap key's file name in <c>DIR/keys</c>: <c>KIND.key</c>, or <c>KIND.NAME.key</c>
        /// (no ':' in file names: Windows, where Unity runs, forbids it).
        /// </summary>
        public string KeyFileName => (Name == null ? Kind : Kind + "." + Name) + ".key";

        /// <summary>The default instance of <paramref name="kind"/>.</summary>
        /// <exception cref="FormatException">Not a kind.</exception>
        public static EngineInstance Default(string kind) => kind == Engines.Blender || kind == Engines.Unity
            ? new EngineInstance(kind, null) : throw new FormatException($"'{kind}' is not an engine kind (blender or unity)");

        /// <summary>Reads an instance name.</summary>
        /// <exception cref="FormatException">Not <c>KIND</c> or <c>KIND:NAME</c>; the message says why.</exception>
        public static EngineInstance Parse(string text) =>
            TryParse(text, out var instance, out var error) ? instance! : throw new FormatException(error);

        /// <summary>Reads an instance name; false with the reason when it is not one.</summary>
        public static bool TryParse(string? text, out EngineInstance? instance, out string? error)
        {
            instance = null;
            error = null;
            if (text == null) { error = "no engine instance given"; return false; }
            int colon = text.IndexOf(':');
            string kind = colon < 0 ? text : text.Substring(0, colon);
            if (kind != Engines.Blender && kind != Engines.Unity)
            {
                error = $"'{text}' is not an engine instance: its kind must be blender or unity (KIND or KIND:NAME)";
                return false;
            }
            if (colon < 0) { instance = new EngineInstance(kind, null); return true; }
            string name = text.Substring(colon + 1);
            if (!IsName(name))
            {
                error = $"'{text}' is not an engine instance: NAME must be 1–{MaxNameLength} of a-z, 0-9, '_' and '-', starting with a letter or digit";
                return false;
            }
            instance = new EngineInstance(kind, name);
            return true;
        }

        /// <summary>
        /// The instance whose key file is named <paramref name="fileName"/> (<c>KIND.key</c> or
        /// <c>KIND.NAME.key</c>); null for any other file name.
        /// </summary>
        public static EngineInstance? FromKeyFileName(string fileName)
        {
            const string suffix = ".key";
            if (fileName == null || !fileName.EndsWith(suffix, StringComparison.Ordinal)) return null;
            string stem = fileName.Substring(0, fileName.Length - suffix.Length);
            int dot = stem.IndexOf('.');
            string text = dot < 0 ? stem : stem.Substring(0, dot) + ":" + stem.Substring(dot + 1);
            return TryParse(text, out var instance, out _) ? instance : null;
        }

        /// <summary>The kind of an instance name that is known to be valid (a session's engine), e.g. <c>blender</c> for <c>blender:bob</c>.</summary>
        public static string KindOf(string instance)
        {
            int colon = instance.IndexOf(':');
            return colon < 0 ? instance : instance.Substring(0, colon);
        }

        /// <summary>
        /// Whether <paramref name="name"/> is a NAME (<c>[a-z0-9][a-z0-9_-]{0,31}</c>): an instance's,
        /// and the one grammar other names in team mode (a cluster node's) follow too.
        /// </summary>
        public static bool IsName(string name)
        {
            if (name.Length < 1 || name.Length > MaxNameLength) return false;
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                bool alnum = c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
                if (!alnum && (i == 0 || c != '_' && c != '-')) return false;
            }
            return true;
        }

        /// <summary><c>KIND</c> or <c>KIND:NAME</c>.</summary>
        public override string ToString() => Name == null ? Kind : Kind + ":" + Name;

        /// <inheritdoc />
        public bool Equals(EngineInstance? other) => other != null && other.Kind == Kind && other.Name == Name;

        /// <inheritdoc />
        public override bool Equals(object? obj) => Equals(obj as EngineInstance);

        /// <inheritdoc />
        public override int GetHashCode() => ToString().GetHashCode();
    }
}
