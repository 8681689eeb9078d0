using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace LoraLego.Merging.Dense;

/// <summary>
/// Keeps the <c>keep</c> largest-magnitude entries of a vector and zeroes the rest (PEFT's
/// magnitude pruning keeps exactly int(density·numel) entries). The threshold is found by a
/// two-level radix select on the float bit patterns, whose order matches |x| for non-negative
/// floats: two histogram passes, no sorted copy, so no buffer the size of the matrix.
/// Entries equal to the threshold are kept in index order until the count is reached, which makes
/// the result deterministic where PEFT's topk leaves ties unspecified.
/// </summary>
internal static class MagnitudeTrim
{
    private const int Buckets = 1 << 16;

    public static long KeepCount(double density, long length) => density >= 1 ? length : (long)(density * length);

    public static void Apply(float[] x, long keep) => Apply(x, Find(x, keep));

    /// <summary>Where to cut <paramref name="x"/> so that exactly <paramref name="keep"/> entries survive.</summary>
    public static TrimCut Find(float[] x, long keep)
    {
        if (keep >= x.Length) return new TrimCut(0, long.MaxValue);
        if (keep <= 0) return new TrimCut(uint.MaxValue, 0);

        var hist = Histogram(x, (h, start, end) => HighHistogram(x, start, end, h));
        uint high = (uint)SelectBucket(hist, keep, out long aboveHigh);
        hist = Histogram(x, (h, start, end) => LowHistogram(x, start, end, high, h));
        uint low = (uint)SelectBucket(hist, keep - aboveHigh, out long aboveLow);
        return new TrimCut((high << 16) | low, keep - aboveHigh - aboveLow);
    }

    /// <summary>Applies a cut found on the same values (TIES rebuilds a task and cuts it again).</summary>
    public static void Apply(float[] x, TrimCut cut)
    {
        if (cut.KeepsAll) return;
        if (cut.TiesToKeep == 0 && cut.Threshold == uint.MaxValue)
        {
            Array.Clear(x, 0, x.Length);
            return;
        }

        var tiesBefore = TiesBefore(x, cut);
        ParallelChunks.For(x.Length, (c, start, end) => Zero(x, start, end, cut.Threshold, cut.TiesToKeep - tiesBefore[c]));
    }

    /// <summary>
    /// Ties at the threshold: the first TiesToKeep in index order survive, so each chunk needs the
    /// number of ties in the chunks before it. Counted once per cut and kept with it.
    /// </summary>
    public static long[] TiesBefore(float[] x, TrimCut cut)
    {
        if (cut.TiesBefore is long[] known) return known;
        int chunks = ParallelChunks.Count(x.Length);
        var ties = new long[chunks];
        ParallelChunks.For(x.Length, (c, start, end) => ties[c] = CountEqual(x, start, end, cut.Threshold));
        var before = new long[chunks];
        for (int c = 1; c < chunks; c++) before[c] = before[c - 1] + ties[c - 1];
        cut.TiesBefore = before;
        return before;
    }

    /// <summary>
    /// One histogram per worker thread (not per chunk: a 256 KiB array per chunk piles up as
    /// large-object garbage), summed at the end; integer counts add up the same in any grouping.
    /// </summary>
    private static long[] Histogram(float[] x, Action<int[], int, int> count)
    {
        var total = new long[Buckets];
        var gate = new object();
        Parallel.For(
            0,
            ParallelChunks.Count(x.Length),
            () => new int[Buckets],
            (c, _, h) =>
            {
                count(h, c * ParallelChunks.ChunkSize, Math.Min(x.Length, (c + 1) * ParallelChunks.ChunkSize));
                return h;
            },
            h =>
            {
                lock (gate)
                {
                    for (int b = 0; b < Buckets; b++) total[b] += h[b];
                }
            });
        return total;
    }

    [MethodImpl(ParallelChunks.Hot)]
    private static void HighHistogram(float[] x, int start, int end, int[] h)
    {
        for (int i = start; i < end; i++) h[AbsBits(x[i]) >> 16]++;
    }

    [MethodImpl(ParallelChunks.Hot)]
    private static void LowHistogram(float[] x, int start, int end, uint high, int[] h)
    {
        for (int i = start; i < end; i++)
        {
            uint bits = AbsBits(x[i]);
            if ((bits >> 16) == high) h[bits & 0xFFFF]++;
        }
    }

    [MethodImpl(ParallelChunks.Hot)]
    private static long CountEqual(float[] x, int start, int end, uint threshold)
    {
        long n = 0;
        for (int i = start; i < end; i++)
        {
            if (AbsBits(x[i]) == threshold) n++;
        }

        return n;
    }

    /// <summary>Zeroes entries below the threshold, and ties beyond the <paramref name="tiesLeft"/> still allowed.</summary>
    [MethodImpl(ParallelChunks.Hot)]
    private static void Zero(float[] x, int start, int end, uint threshold, long tiesLeft)
    {
        for (int i = start; i < end; i++)
        {
            uint bits = AbsBits(x[i]);
            if (bits > threshold) continue;
            if (bits == threshold && tiesLeft-- > 0) continue;
            x[i] = 0f;
        }
    }

    /// <summary>Walks buckets from the top until <paramref name="rank"/> entries are covered.</summary>
    private static int SelectBucket(long[] hist, long rank, out long above)
    {
        long seen = 0;
        for (int b = hist.Length - 1; b >= 0; b--)
        {
            if (seen + hist[b] >= rank)
            {
                above = seen;
                return b;
            }

            seen += hist[b];
        }

        above = seen;
        return 0;
    }

    internal static unsafe uint AbsBits(float v) => *(uint*)&v & 0x7FFFFFFFu;
}

/// <summary>Keep |x| above the threshold (as float bits) and the first TiesToKeep entries equal to it.</summary>
internal sealed class TrimCut
{
    public TrimCut(uint threshold, long tiesToKeep)
    {
        Threshold = threshold;
        TiesToKeep = tiesToKeep;
    }

    public uint Threshold { get; }

    public long TiesToKeep { get; }

    /// <summary>Per chunk, the ties at the threshold in the chunks before it (filled on first use).</summary>
    public long[]? TiesBefore { get; set; }

    public bool KeepsAll => TiesToKeep == long.MaxValue;
}
