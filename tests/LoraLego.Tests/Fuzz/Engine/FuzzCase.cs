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

    public override string ToString() => $"#{Index} {Seed.Name} {Mutation}: {Detail}";
}
