using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>A safetensors header read straight from the bytes (not through the engine's parser).</summary>
internal sealed class WriterHeader
{
    private readonly Dictionary<string, JsonElement> _tensors;

    private WriterHeader(Dictionary<string, string> metadata, Dictionary<string, JsonElement> tensors)
    {
        Metadata = metadata;
        _tensors = tensors;
    }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IEnumerable<string> Keys => _tensors.Keys;

    public static WriterHeader Read(string file)
    {
        var bytes = File.ReadAllBytes(file);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var root = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, n)).RootElement.Clone();
        var md = root.TryGetProperty("__metadata__", out var m) ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : new Dictionary<string, string>();
        return new WriterHeader(md, root.EnumerateObject().Where(p => p.Name != "__metadata__").ToDictionary(p => p.Name, p => p.Value));
    }

    /// <summary>The keys ending in <paramref name="suffix"/>, without it, sorted.</summary>
    public List<string> Stems(string suffix) =>
        Keys.Where(k => k.EndsWith(suffix, System.StringComparison.Ordinal)).Select(k => k.Substring(0, k.Length - suffix.Length)).OrderBy(k => k, System.StringComparer.Ordinal).ToList();

    public string Shape(string key) => _tensors[key].GetProperty("shape").GetRawText();

    public string DType(string key) => _tensors[key].GetProperty("dtype").GetString()!;
}
