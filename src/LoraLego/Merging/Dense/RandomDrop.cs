using System.Runtime.CompilerServices;
using LoraLego.Clustering;

namespace LoraLego.Merging.Dense;

/// <summary>
/// DARE's random drop: each entry survives with probability <c>density</c> and survivors are
/// divided by the density so the expected task vector is unchanged. Entry e uses draw e of the
/// task's SplitMix64 stream (counter-based, see SplitMix64.Draw), so chunks
/// draw their own entries in parallel and still reproduce the sequential stream exactly.
/// </summary>
internal static class RandomDrop
{
    public static void Apply(float[] x, double density, ulong streamSeed)
    {
        if (density >= 1) return;
        ulong limit = KeepLimit(density);
        double rescale = 1.0 / density;
        ParallelChunks.For(x.Length, (_, start, end) => Chunk(x, start, end, rescale, streamSeed, limit));
    }

    /// <summary>An entry is kept when the high 32 bits of its draw are below this limit.</summary>
    public static ulong KeepLimit(double density) => (ulong)(density * 4294967296.0);

    [MethodImpl(ParallelChunks.Hot)]
    private static void Chunk(float[] x, int start, int end, double rescale, ulong streamSeed, ulong limit)
    {
        for (int i = start; i < end; i++)
        {
            bool keep = (SplitMix64.Draw(streamSeed, i) >> 32) < limit;
            x[i] = keep ? (float)(x[i] * rescale) : 0f;
        }
    }
}
