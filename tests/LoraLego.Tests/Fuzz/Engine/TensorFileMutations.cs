using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace LoraLego.Fuzzing;

/// <summary>Byte-level mutations of the .safetensors file: truncation, bit flips, a lying header length, splices, poisoned floats.</summary>
internal static class TensorFileMutations
{
    private static readonly ulong[] LyingLengths =
    {
        0, 1, 2, 7, 100_000_000, 100_000_001, int.MaxValue, 1UL << 31, 1UL << 32, long.MaxValue, 1UL << 63, ulong.MaxValue, ulong.MaxValue - 7,
    };

    public static readonly (string, int, Func<FuzzSeed, FuzzRandom, Mutation?>)[] All =
    {
        ("Truncate", 8, Truncate),
        ("BitFlipHeader", 8, (s, r) => Flip(s, r, header: true)),
        ("BitFlipData", 4, (s, r) => Flip(s, r, header: false)),
        ("LyingHeaderLength", 6, LyingHeaderLength),
        ("Splice", 3, Splice),
        ("TrailingBytes", 2, Trailing),
        ("NonFiniteData", 2, NonFinite),
    };

    private static Mutation Truncate(FuzzSeed seed, FuzzRandom rng)
    {
        var file = seed.Files[seed.TensorFile];
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        int length = rng.Next(4) switch
        {
            0 => rng.Next(16),                         // inside or just past the length prefix
            1 => 8 + rng.Next(n),                      // inside the header
            2 => file.Length - 1 - rng.Next(8),        // the last few bytes of data
            _ => 8 + n + rng.Next(file.Length - 8 - n), // anywhere in the data
        };
        length = Math.Min(length, file.Length - 1);
        return Replace(seed, file.AsSpan(0, length).ToArray(), $"cut {file.Length} bytes to {length}");
    }

    private static Mutation Flip(FuzzSeed seed, FuzzRandom rng, bool header)
    {
        var file = (byte[])seed.Files[seed.TensorFile].Clone();
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        int from = header ? 0 : 8 + n, to = header ? 8 + n : file.Length;
        if (to <= from) { from = 0; to = file.Length; }
        int flips = 1 + rng.Next(header ? 4 : 16);
        var where = new List<string>();
        for (int i = 0; i < flips; i++)
        {
            int pos = from + rng.Next(to - from);
            int bit = rng.Next(8);
            file[pos] ^= (byte)(1 << bit);
            where.Add($"{pos}.{bit}");
        }

        return Replace(seed, file, $"flipped bits (byte.bit) {string.Join(", ", where)}");
    }

    private static Mutation LyingHeaderLength(FuzzSeed seed, FuzzRandom rng)
    {
        var file = (byte[])seed.Files[seed.TensorFile].Clone();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        ulong lie = rng.Next(3) switch
        {
            0 => rng.Pick(LyingLengths),
            1 => (ulong)((long)n + rng.Next(33) - 16),
            _ => (ulong)(file.Length - 8 + rng.Next(5) - 2),
        };
        BinaryPrimitives.WriteUInt64LittleEndian(file, lie);
        return Replace(seed, file, $"header length {n} -> {lie}");
    }

    private static Mutation Splice(FuzzSeed seed, FuzzRandom rng)
    {
        var file = seed.Files[seed.TensorFile];
        int pos = rng.Next(file.Length);
        var inserted = new byte[rng.Next(3) == 0 ? 0 : 1 + rng.Next(64)];
        for (int i = 0; i < inserted.Length; i++) inserted[i] = (byte)rng.Next(256);
        int removed = inserted.Length == 0 ? 1 + rng.Next(Math.Min(64, file.Length - pos)) : 0;
        var result = new byte[file.Length + inserted.Length - removed];
        Array.Copy(file, result, pos);
        inserted.CopyTo(result, pos);
        Array.Copy(file, pos + removed, result, pos + inserted.Length, file.Length - pos - removed);
        return Replace(seed, result, inserted.Length > 0 ? $"inserted {inserted.Length} random bytes at {pos}" : $"removed {removed} bytes at {pos}");
    }

    private static Mutation Trailing(FuzzSeed seed, FuzzRandom rng)
    {
        var file = seed.Files[seed.TensorFile];
        int extra = 1 + rng.Next(4096);
        var result = new byte[file.Length + extra];
        file.CopyTo(result, 0);
        return Replace(seed, result, $"{extra} zero bytes appended");
    }

    /// <summary>NaN / ±Inf / huge values written into the data: the file stays valid and must load.</summary>
    private static Mutation NonFinite(FuzzSeed seed, FuzzRandom rng)
    {
        var file = (byte[])seed.Files[seed.TensorFile].Clone();
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        int data = 8 + n;
        // 0xFF bytes are a NaN in F32, F16 and BF16 alike; 0x7F80/0x7C00 patterns give infinities.
        byte[][] patterns = { new byte[] { 0xFF, 0xFF }, new byte[] { 0x80, 0x7F }, new byte[] { 0x00, 0x7C }, new byte[] { 0xFF, 0x7F } };
        int count = 1 + rng.Next(8);
        for (int i = 0; i < count && file.Length - data >= 2; i++)
        {
            int pos = data + (rng.Next(file.Length - data - 1) & ~1);
            var p = rng.Pick(patterns);
            file[pos] = p[0];
            file[pos + 1] = p[1];
        }

        return Replace(seed, file, $"{count} non-finite value patterns written into the data");
    }

    private static Mutation Replace(FuzzSeed seed, byte[] tensorFile, string detail) => new(seed.FilesWith(seed.TensorFile, tensorFile), detail);
}
