// Design rationale: the protocol library parses JSON itself instead of using System.Text.Json
// because it must compile unchanged inside Unity (netstandard2.1, no package dependencies), and
// because the state hash needs things general parsers do not give: refusal of duplicate keys,
// integer-vs-real distinction from the literal, and line/column for one-line errors.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace VibeSync.Protocol.Json
{
    /// <summary>Text that is not strict RFC 8259 JSON.</summary>
    public sealed class JsonParseException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public JsonParseException(string message, int line, int column)
            : base($"line {line} column {column}: {message}") { Line = line; Column = column; }
        /// <summary>1-based line of the problem.</summary>
        public int Line { get; }
        /// <summary>1-based column of the problem.</summary>
        public int Column { get; }
    }

    /// <summary>
    /// A strict JSON parser: no comments, no trailing commas, no NaN/Infinity, no duplicate keys,
    /// no control characters in strings, nesting at most <see cref="MaxDepth"/> deep.
    /// </summary>
    public sealed class JsonParser
    {
        /// <summary>Deepest nesting accepted (guards the stack against hostile input).</summary>
        public const int MaxDepth = 64;

        private readonly string _text;
        private int _pos;
        private int _line = 1;
        private int _lineStart;
        private int _depth;

        private JsonParser(string text) { _text = text; }

        /// <summary>Parses one JSON document.</summary>
        /// <exception cref="JsonParseException">The text is not strict JSON.</exception>
        public static JsonNode Parse(string text)
        {
            var p = new JsonParser(text);
            if (text.Length > 0 && text[0] == '\uFEFF') p._pos = 1;
            p.SkipWhitespace();
            var value = p.ParseValue();
            p.SkipWhitespace();
            if (p._pos < text.Length) throw p.Error("extra data after the JSON value");
            return value;
        }

        private int Column => _pos - _lineStart + 1;

        private JsonParseException Error(string message) => new JsonParseException(message, _line, Column);

        private void SkipWhitespace()
        {
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c == '\n') { _pos++; _line++; _lineStart = _pos; }
                else if (c == ' ' || c == '\t' || c == '\r') _pos++;
                else break;
            }
        }

        private JsonNode ParseValue()
        {
            if (_pos >= _text.Length) throw Error("expected a value, found the end of the text");
            char c = _text[_pos];
            switch (c)
            {
                case '{': return ParseObject();
                case '[': return ParseArray();
                case '"':
                {
                    int line = _line, column = Column;
                    return new JsonString(line, column, ParseString());
                }
                case 't': return Literal("true", new JsonBool(_line, Column, true));
                case 'f': return Literal("false", new JsonBool(_line, Column, false));
                case 'n': return Literal("null", new JsonNull(_line, Column));
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
                    if (c == 'N' || c == 'I') throw Error("NaN and Infinity are not JSON numbers");
                    throw Error($"unexpected character '{c}'");
            }
        }

        private JsonNode Literal(string word, JsonNode node)
        {
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) throw Error($"unexpected character '{_text[_pos]}'");
            _pos += word.Length;
            return node;
        }

        private JsonObject ParseObject()
        {
            int line = _line, column = Column;
            Enter();
            _pos++; // {
            var members = new List<KeyValuePair<string, JsonNode>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            SkipWhitespace();
            if (Peek() == '}') { _pos++; _depth--; return new JsonObject(line, column, members); }
            while (true)
            {
                SkipWhitespace();
                if (Peek() != '"') throw Error("expected a string key");
                int keyLine = _line, keyColumn = Column;
                string key = ParseString();
                if (!seen.Add(key)) throw new JsonParseException($"duplicate key \"{key}\"", keyLine, keyColumn);
                SkipWhitespace();
                if (Peek() != ':') throw Error("expected ':' after a key");
                _pos++;
                SkipWhitespace();
                members.Add(new KeyValuePair<string, JsonNode>(key, ParseValue()));
                SkipWhitespace();
                char c = Peek();
                _pos++;
                if (c == '}') break;
                if (c != ',') { _pos--; throw Error("expected ',' or '}' in an object"); }
            }
            _depth--;
            return new JsonObject(line, column, members);
        }

        private JsonArray ParseArray()
        {
            int line = _line, column = Column;
            Enter();
            _pos++; // [
            var items = new List<JsonNode>();
            SkipWhitespace();
            if (Peek() == ']') { _pos++; _depth--; return new JsonArray(line, column, items); }
            while (true)
            {
                SkipWhitespace();
                items.Add(ParseValue());
                SkipWhitespace();
                char c = Peek();
                _pos++;
                if (c == ']') break;
                if (c != ',') { _pos--; throw Error("expected ',' or ']' in an array"); }
            }
            _depth--;
            return new JsonArray(line, column, items);
        }

        private void Enter()
        {
            if (++_depth > MaxDepth) throw Error($"nesting deeper than {MaxDepth}");
        }

        private char Peek()
        {
            if (_pos >= _text.Length) throw Error("unexpected end of the text");
            return _text[_pos];
        }

        private string ParseString()
        {
            _pos++; // opening quote
            StringBuilder? sb = null;
            int runStart = _pos;
            while (true)
            {
                if (_pos >= _text.Length) throw Error("unterminated string");
                char c = _text[_pos];
                if (c == '"')
                {
                    string result = sb == null ? _text.Substring(runStart, _pos - runStart)
                        : sb.Append(_text, runStart, _pos - runStart).ToString();
                    _pos++;
                    return result;
                }
                if (c < 0x20) throw Error("control character in a string");
                if (c != '\\') { _pos++; continue; }
                sb ??= new StringBuilder();
                sb.Append(_text, runStart, _pos - runStart);
                _pos++;
                if (_pos >= _text.Length) throw Error("unterminated escape");
                char e = _text[_pos++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 > _text.Length) throw Error("short \\u escape");
                        int code = 0;
                        for (int i = 0; i < 4; i++)
                        {
                            char h = _text[_pos++];
                            int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                            if (d < 0) throw Error("bad \\u escape");
                            code = code * 16 + d;
                        }
                        sb.Append((char)code);
                        break;
                    default:
                        _pos--;
                        throw Error($"bad escape '\\{e}'");
                }
                runStart = _pos;
            }
        }

        private JsonNumber ParseNumber()
        {
            int line = _line, column = Column, start = _pos;
            bool integer = true;
            if (Peek() == '-') _pos++;
            if (_pos >= _text.Length || !IsDigit(_text[_pos])) throw Error("expected a digit");
            if (_text[_pos] == '0') _pos++;
            else while (_pos < _text.Length && IsDigit(_text[_pos])) _pos++;
            if (_pos < _text.Length && _text[_pos] == '.')
            {
                integer = false;
                _pos++;
                if (_pos >= _text.Length || !IsDigit(_text[_pos])) throw Error("expected a digit after '.'");
                while (_pos < _text.Length && IsDigit(_text[_pos])) _pos++;
            }
            if (_pos < _text.Length && (_text[_pos] == 'e' || _text[_pos] == 'E'))
            {
                integer = false;
                _pos++;
                if (_pos < _text.Length && (_text[_pos] == '+' || _text[_pos] == '-')) _pos++;
                if (_pos >= _text.Length || !IsDigit(_text[_pos])) throw Error("expected a digit in the exponent");
                while (_pos < _text.Length && IsDigit(_text[_pos])) _pos++;
            }
            if (_pos < _text.Length && IsDigit(_text[_pos])) throw Error("leading zeros are not allowed");
            string text = _text.Substring(start, _pos - start);
            double value;
            try { value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture); }
            catch (OverflowException) { value = text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity; } // older runtimes throw where .NET Core returns ±∞
            return new JsonNumber(line, column, text, value, integer);
        }

        private static bool IsDigit(char c) => c >= '0' && c <= '9';
    }
}
