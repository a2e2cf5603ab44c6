using System.Text.Json;
using VibeSync.Protocol.Blobs;
using VibeSync.Protocol.Hashing;
using VibeSync.Protocol.Json;
using VibeSync.Protocol.Link;

namespace VibeSync.Protocol.Tests.Blobs;

/// <summary>Blob transfer on the link (docs/protocol.md §12.2), pinned by testdata/blob_chunk_vectors.json that the Python twin passes too.</summary>
public sealed class BlobChunkVectorTests
{
    private static readonly JsonElement Vectors = Support.Vectors.Load("blob_chunk_vectors.json");

    private static BlobShape ShapeOf(JsonElement c) =>
        new((BlobElement)c.GetProperty("element").GetInt32(), c.GetProperty("components").GetInt32(), c.GetProperty("count").GetInt64());

    [Fact]
    public void every_vector_chunk_encodes_to_its_payload_and_decodes_back()
    {
        Assert.Equal(BlobChunk.HeaderSize, Vectors.GetProperty("chunk_header_bytes").GetInt32());
        foreach (var c in Vectors.GetProperty("chunks").EnumerateArray())
        {
            var id = c.GetProperty("id").GetString()!;
            var data = Hex.Decode(c.GetProperty("data").GetString()!);
            var payload = BlobChunk.Encode(id, ShapeOf(c), c.GetProperty("offset").GetInt64(), data);
            Assert.Equal(c.GetProperty("payload").GetString(), Hex.Encode(payload));
            var chunk = BlobChunk.Decode(payload, BlobChunk.DefaultChunkBytes);
            Assert.Equal((id, ShapeOf(c), c.GetProperty("offset").GetInt64()), (chunk.Id, chunk.Shape, chunk.Offset));
            Assert.Equal(data, chunk.Data.ToArray());
        }
    }

    [Fact]
    public void a_blob_is_cut_into_the_vector_spans()
    {
        foreach (var s in Vectors.GetProperty("splits").EnumerateArray())
        {
            var expected = s.GetProperty("spans").EnumerateArray().Select(x => (x[0].GetInt64(), x[1].GetInt32())).ToArray();
            Assert.Equal(expected, BlobChunk.Spans(s.GetProperty("byte_length").GetInt64(), s.GetProperty("from").GetInt64(), s.GetProperty("chunk_bytes").GetInt32()).ToArray());
        }
    }

    [Fact]
    public void every_vector_transfer_is_answered_chunk_by_chunk_as_the_vectors_say()
    {
        int n = 0;
        foreach (var t in Vectors.GetProperty("transfers").EnumerateArray())
        {
            var name = t.GetProperty("name").GetString();
            var done = new Dictionary<string, string>();
            using var assembler = new BlobAssembler(t.GetProperty("max_blob_bytes").GetInt64(), t.GetProperty("chunk_bytes").GetInt64());
            foreach (var w in t.GetProperty("want").EnumerateArray())
                Assert.Equal(0, assembler.Want(w.GetString()!, new MemoryIncomingBlob((id, _, data) => done[id] = Hex.Encode(data.Span))));
            var results = t.GetProperty("results").EnumerateArray().ToArray();
            var chunks = t.GetProperty("chunks").EnumerateArray().ToArray();
            for (int i = 0; i < chunks.Length; i++)
            {
                var payload = chunks[i].GetString()!;
                string got;
                try { got = assembler.Accept(Hex.Decode(payload)) is null ? "progress" : "complete " + payload[..64]; }
                catch (BlobTransferException e) { got = $"error {e.Code} {e.BlobId}"; }
                var r = results[i];
                string expected = r.TryGetProperty("error", out var code) ? $"error {code.GetString()} {(r.GetProperty("id").ValueKind == JsonValueKind.Null ? "" : r.GetProperty("id").GetString())}"
                    : r.TryGetProperty("complete", out var c) ? "complete " + c.GetString() : "progress";
                Assert.True(expected == got, $"{name}, chunk {i}: expected {expected}, got {got}");
            }
            var completed = t.GetProperty("completed").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            Assert.Equal(completed, done);
            n++;
        }
        Assert.True(n >= 12);
    }

    [Fact]
    public void blob_references_are_found_where_the_vectors_say()
    {
        foreach (var r in Vectors.GetProperty("references").EnumerateArray())
            Assert.Equal(r.GetProperty("ids").EnumerateArray().Select(x => x.GetString()!).ToArray(),
                BlobReferences.In(JsonParser.Parse(r.GetProperty("payload").GetRawText())).ToArray());
    }

    [Fact]
    public void want_and_gone_payloads_are_written_and_read_as_the_vectors_say()
    {
        var want = Vectors.GetProperty("messages").GetProperty("want");
        var blobs = want.GetProperty("blobs").EnumerateArray().Select(b => new WantedBlob(b[0].GetString()!, b[1].GetInt64())).ToArray();
        var w = new BlobWant(want.GetProperty("re").GetUInt64(), blobs);
        Assert.Equal(want.GetProperty("json").GetString(), w.ToJson());
        var back = BlobWant.Read((JsonObject)JsonParser.Parse(w.ToJson()));
        Assert.Equal(w.Re, back.Re);
        Assert.Equal(blobs, back.Blobs);
        var gone = Vectors.GetProperty("messages").GetProperty("gone");
        var g = new BlobGone(gone.GetProperty("re").GetUInt64(), gone.GetProperty("ids").EnumerateArray().Select(x => x.GetString()!).ToArray());
        Assert.Equal(gone.GetProperty("json").GetString(), g.ToJson());
        Assert.Equal(g.Ids, BlobGone.Read((JsonObject)JsonParser.Parse(g.ToJson())).Ids);
    }

    [Fact]
    public void offer_payloads_are_written_and_read_as_the_vectors_say()
    {
        var offer = Vectors.GetProperty("messages").GetProperty("offer");
        var o = new BlobOffer(offer.GetProperty("ids").EnumerateArray().Select(x => x.GetString()!).ToArray());
        Assert.Equal(offer.GetProperty("json").GetString(), o.ToJson());
        Assert.Equal(o.Ids, BlobOffer.Read((JsonObject)JsonParser.Parse(o.ToJson())).Ids);
    }

    [Theory]
    [InlineData("{}", "ids")]
    [InlineData("{\"ids\": []}", "ids")]
    [InlineData("{\"ids\": [\"x\"]}", "ids[0]")]
    [InlineData("{\"ids\": [\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"], \"re\": 1}", "re")]
    public void a_malformed_offer_is_refused_naming_the_field(string json, string path)
    {
        var e = Assert.Throws<JsonFieldException>(() => BlobOffer.Read((JsonObject)JsonParser.Parse(json)));
        Assert.Equal(path, e.Path);
    }

    [Theory]
    [InlineData("{\"re\": 1}", "blobs")]
    [InlineData("{\"re\": 1, \"blobs\": []}", "blobs")]
    [InlineData("{\"re\": 1, \"blobs\": [{\"id\": \"x\", \"offset\": 0}]}", "blobs[0].id")]
    [InlineData("{\"re\": 1, \"blobs\": [{\"id\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"offset\": -1}]}", "blobs[0].offset")]
    public void a_malformed_want_is_refused_naming_the_field(string json, string path)
    {
        var e = Assert.Throws<JsonFieldException>(() => BlobWant.Read((JsonObject)JsonParser.Parse(json)));
        Assert.Equal(path, e.Path);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public void a_blob_named_in_pieces_of_any_size_has_the_name_of_the_whole(int piece)
    {
        var floats = Enumerable.Range(0, 3000).Select(i => i * 0.37f - 200).ToArray();
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(floats.AsSpan()).ToArray();
        var shape = new BlobShape(BlobElement.F32, 3, 1000);
        using var hasher = new BlobHasher(shape);
        foreach (var (offset, length) in BlobChunk.Spans(bytes.Length, 0, piece)) hasher.Append(bytes.AsSpan((int)offset, length));
        Assert.Equal(BlobId.Of(shape, bytes), hasher.Finish());
    }
}
