namespace LoraLego.Clustering;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose sequence is fixed by its
/// arithmetic, so a seed gives the same clustering on every runtime (System.Random makes no such promise).
/// </summary>
public sealed class SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, maxExclusive) (multiply-shift; the bias is below 2⁻³² for any int bound).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new System.ArgumentOutOfRangeException(nameof(maxExclusive));
        return (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);
    }
}
