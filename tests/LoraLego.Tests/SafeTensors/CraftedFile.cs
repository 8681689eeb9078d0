using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace LoraLego.Tests.SafeTensors;

/// <summary>Builds safetensors bytes by hand, so tests control every byte the codec sees.</summary>
internal static class CraftedFile
{
    /// <summary>u64 header length, the header text as given (no padding), then the data bytes.</summary>
    public static byte[] Bytes(string headerJson, byte[]? data = null) => Bytes(Encoding.UTF8.GetBytes(headerJson), data);

    public static byte[] Bytes(byte[] header, byte[]? data = null)
    {
        data ??= Array.Empty<byte>();
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static string Write(TempDirectory dir, string headerJson, int dataLength = 0, string name = "crafted.safetensors")
    {
        string path = dir.File(name);
        var data = new byte[dataLength];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 37 + 11);
        }

        File.WriteAllBytes(path, Bytes(headerJson, data));
        return path;
    }
}
