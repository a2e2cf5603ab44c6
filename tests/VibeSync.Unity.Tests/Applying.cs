using System.Text;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Operations;
using VibeSync.Unity.Adapter;

namespace VibeSync.Unity.Tests;

/// <summary>An APPLY of typed operations, written and read as the link carries them.</summary>
internal static class Applying
{
    public static (byte Type, string Body) Apply(UnityAdapter adapter, ulong intent, IReadOnlyList<Operation> operations)
    {
        var sb = new StringBuilder("{\"intent\": ").Append(intent).Append(", \"operations\": [");
        for (int i = 0; i < operations.Count; i++) OperationWriter.Append(i > 0 ? sb.Append(", ") : sb, operations[i]);
        return adapter.Apply(JsonFields.AsObject(JsonParser.Parse(sb.Append("]}").ToString()), "apply"));
    }
}
