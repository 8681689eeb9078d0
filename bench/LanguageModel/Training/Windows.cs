using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace LoraLego.Bench.LanguageModel.Training;

/// <summary>Byte windows of context+1 tokens cut from a region, at seeded random offsets.</summary>
internal static class Windows
{
    /// <summary><paramref name="count"/> window offsets into <paramref name="region"/>, fixed by the seed.</summary>
    public static int[] Offsets(byte[] region, int count, int context, int seed)
    {
        int span = region.Length - context - 1;
        if (span <= 0) throw new ArgumentException($"A region of {region.Length} bytes is shorter than one window of {context + 1}.");
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => rng.Next(span)).ToArray();
    }

    /// <summary>A [n, context+1] int64 batch of the windows at the given offsets.</summary>
    public static Tensor Batch(byte[] region, IReadOnlyList<int> offsets, int context) =>
        Batch(offsets.Select(o => (region, o)).ToList(), context);

    /// <summary>A [n, context+1] int64 batch of windows, each from its own region.</summary>
    public static Tensor Batch(IReadOnlyList<(byte[] Region, int Offset)> windows, int context)
    {
        var data = new long[windows.Count * (context + 1)];
        for (int i = 0; i < windows.Count; i++)
            for (int j = 0; j <= context; j++) data[i * (context + 1) + j] = windows[i].Region[windows[i].Offset + j];
        return tensor(data, new long[] { windows.Count, context + 1 });
    }
}
