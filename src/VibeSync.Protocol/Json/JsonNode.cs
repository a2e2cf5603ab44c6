using System.Collections.Generic;

namespace VibeSync.Protocol.Json
{
    /// <summary>A parsed JSON value with the line and column where it starts (1-based).</summary>
    public abstract class JsonNode
    {
        private protected JsonNode(int line, int column) { Line = line; Column = column; }
        /// <summary>Line of the value's first character.</summary>
        public int Line { get; }
        /// <summary>Column of the value's first character.</summary>
        public int Column { get; }
        /// <summary>"object", "array", "string", "number", "boolean" or "null", for error messages.</summary>
        public abstract string KindName { get; }
    }

    /// <summary>A JSON object; members keep their order and keys are unique (the parser refuses duplicates).</summary>
    public sealed class JsonObject : JsonNode
    {
        internal JsonObject(int line, int column, List<KeyValuePair<string, JsonNode>> members) : base(line, column) { Members = members; }
        /// <summary>Members in document order.</summary>
        public IReadOnlyList<KeyValuePair<string, JsonNode>> Members { get; }
        /// <inheritdoc />
        public override string KindName => "object";

        /// <summary>The member named <paramref name="key"/>, or null.</summary>
        public JsonNode? Get(string key)
        {
            foreach (var m in Members) if (m.Key == key) return m.Value;
            return null;
        }
    }

    /// <summary>A JSON array.</summary>
    public sealed class JsonArray : JsonNode
    {
        internal JsonArray(int line, int column, List<JsonNode> items) : base(line, column) { Items = items; }
        /// <summary>Elements in document order.</summary>
        public IReadOnlyList<JsonNode> Items { get; }
        /// <inheritdoc />
        public override string KindName => "array";
    }

    /// <summary>A JSON string (may hold lone surrogates from \u escapes; validate before use).</summary>
    public sealed class JsonString : JsonNode
    {
        internal JsonString(int line, int column, string value) : base(line, column) { Value = value; }
        /// <summary>The decoded string.</summary>
        public string Value { get; }
        /// <inheritdoc />
        public override string KindName => "string";
    }

    /// <summary>A JSON number, kept with its text so integers can be told from reals.</summary>
    public sealed class JsonNumber : JsonNode
    {
        internal JsonNumber(int line, int column, string text, double value, bool isInteger) : base(line, column)
        {
            Text = text; Value = value; IsInteger = isInteger;
        }
        /// <summary>The number as written.</summary>
        public string Text { get; }
        /// <summary>The nearest double (may be infinite for huge literals such as 1e400).</summary>
        public double Value { get; }
        /// <summary>True when written without fraction or exponent.</summary>
        public bool IsInteger { get; }
        /// <inheritdoc />
        public override string KindName => "number";
    }

    /// <summary>true or false.</summary>
    public sealed class JsonBool : JsonNode
    {
        internal JsonBool(int line, int column, bool value) : base(line, column) { Value = value; }
        /// <summary>The value.</summary>
        public bool Value { get; }
        /// <inheritdoc />
        public override string KindName => "boolean";
    }

    /// <summary>null.</summary>
    public sealed class JsonNull : JsonNode
    {
        internal JsonNull(int line, int column) : base(line, column) { }
        /// <inheritdoc />
        public override string KindName => "null";
    }
}
