using System;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace LoraLego.Fuzzing;

/// <summary>
/// A safetensors file cut into its three parts (u64 N, N header bytes, data) so mutations can edit
/// one part and put the file back together, with N recomputed or deliberately wrong.
/// </summary>
public sealed class SafeTensorBytes
{
    public SafeTensorBytes(byte[] header, byte[] data)
    {
        Header = header;
        Data = data;
    }

    public byte[] Header { get; }

    public byte[] Data { get; }

    /// <summary>Splits a well-formed file (seeds are well-formed; mutated files are never split again).</summary>
    public static SafeTensorBytes Split(byte[] file)
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > (ulong)(file.Length - 8)) throw new ArgumentException("seed file is not a safetensors file");
        return new SafeTensorBytes(file.AsSpan(8, (int)n).ToArray(), file.AsSpan(8 + (int)n).ToArray());
    }

    /// <summary>The header as a JSON object (seeds have no duplicate keys, so a DOM is faithful).</summary>
    public JsonObject HeaderJson() => JsonNode.Parse(Encoding.UTF8.GetString(Header))!.AsObject();

    public static byte[] Join(byte[] header, byte[] data, ulong? headerLength = null)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    public byte[] With(JsonObject header) => Join(Encoding.UTF8.GetBytes(header.ToJsonString()), Data);

    public byte[] WithHeaderText(string header) => Join(Encoding.UTF8.GetBytes(header), Data);
}
