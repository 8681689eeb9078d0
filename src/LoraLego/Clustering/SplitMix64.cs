using System;

namespace LoraLego.Clustering;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): the one seeded generator of the engine (k-means seeding,
/// DARE drops, randomised sketches). Why not System.Random: its sequence is an implementation detail
/// of the runtime, while a clustering or merge must be reproducible from the seed recorded in the
/// provenance. Streams are derived from (seed, module, stream) so a module's result does not depend
/// on the order (or parallelism) in which modules are merged.
/// </summary>
public sealed class SplitMix64
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The generator of stream <paramref name="stream"/> of <paramref name="module"/> under the user's seed.</summary>
    public static SplitMix64 ForStream(int seed, string module, int stream) => new(StreamSeed(seed, module, stream));

    public static ulong StreamSeed(int seed, string module, int stream)
    {
        ulong h = Mix((ulong)(uint)seed + Golden);
        h = Mix(h ^ Fnv1a(module));
        return Mix(h + ((ulong)(uint)stream * Golden));
    }

    /// <summary>
    /// Draw <paramref name="index"/> (0-based) of the stream started at <paramref name="seed"/>, without drawing the ones
    /// before: SplitMix64 is counter-based (draw e = mix(seed + (e+1)·γ)), so parallel chunks reproduce the sequential stream.
    /// </summary>
    public static ulong Draw(ulong seed, long index) => Mix(seed + ((ulong)(index + 1) * Golden));

    public ulong NextUInt64()
    {
        _state += Golden;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, maxExclusive) (multiply-shift; the bias is below 2⁻³² for any int bound).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        return (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);
    }

    /// <summary>Standard normal by Box–Muller (one value per call; simplicity over speed, sketches are small).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Fnv1a(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in text)
        {
            h ^= c;
            h *= 1099511628211UL;
        }

        return h;
    }
}
