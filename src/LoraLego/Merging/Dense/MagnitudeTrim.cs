using System;

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
    public static long KeepCount(double density, long length) => density >= 1 ? length : (long)(density * length);

    public static void Apply(float[] x, long keep)
    {
        if (keep >= x.Length) return;
        if (keep <= 0)
        {
            Array.Clear(x, 0, x.Length);
            return;
        }

        uint threshold = FindThreshold(x, keep, out long above);
        long tiesToKeep = keep - above;
        for (int i = 0; i < x.Length; i++)
        {
            uint bits = AbsBits(x[i]);
            if (bits > threshold) continue;
            if (bits == threshold && tiesToKeep > 0)
            {
                tiesToKeep--;
                continue;
            }

            x[i] = 0f;
        }
    }

    /// <summary>Bit pattern of the keep-th largest |x|; <paramref name="above"/> counts entries strictly larger.</summary>
    private static uint FindThreshold(float[] x, long keep, out long above)
    {
        var hist = new long[1 << 16];
        foreach (float v in x) hist[AbsBits(v) >> 16]++;
        int high = SelectBucket(hist, keep, out long aboveHigh);

        Array.Clear(hist, 0, hist.Length);
        foreach (float v in x)
        {
            uint bits = AbsBits(v);
            if ((bits >> 16) == (uint)high) hist[bits & 0xFFFF]++;
        }

        int low = SelectBucket(hist, keep - aboveHigh, out long aboveLow);
        above = aboveHigh + aboveLow;
        return ((uint)high << 16) | (uint)low;
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

    private static unsafe uint AbsBits(float v) => *(uint*)&v & 0x7FFFFFFFu;
}
