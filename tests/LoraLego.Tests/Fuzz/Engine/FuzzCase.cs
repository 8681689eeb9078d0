using System;
using System.Collections.Generic;

namespace LoraLego.Fuzzing;

/// <summary>One mutated adapter: which seed, which mutation (and its details, for replaying by hand), and the files.</summary>
public sealed class FuzzCase
{
    public FuzzCase(long index, FuzzSeed seed, string mutation, string detail, IReadOnlyDictionary<string, byte[]> files, string? entry)
    {
        Index = index;
        Seed = seed;
        Mutation = mutation;
        Detail = detail;
        Files = files;
        Entry = entry;
    }

    public long Index { get; }

    public FuzzSeed Seed { get; }

    /// <summary>The mutation's name (a stable key for the report).</summary>
    public string Mutation { get; }

    public string Detail { get; }

    public IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary>The file handed to the loader, or null to hand it the folder.</summary>
    public string? Entry { get; }

    public long InputBytes
    {
        get
        {
            long total = 0;
            foreach (var bytes in Files.Values) total += bytes.Length;
            return total;
        }
    }

    /// <summary>
    /// JSON bytes: adapter_config.json plus the safetensors header as far as the file holds it
    /// (the header length the file claims, capped by what follows it).
    /// </summary>
    public long JsonBytes
    {
        get
        {
            long total = 0;
            foreach (var (name, bytes) in Files)
            {
                if (name == FuzzSeed.ConfigFile) total += bytes.Length;
                else if (bytes.Length >= 8) total += (long)Math.Min(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes), (ulong)(bytes.Length - 8));
            }

            return total;
        }
    }

    public override string ToString() => $"#{Index} {Seed.Name} {Mutation}: {Detail}";
}
