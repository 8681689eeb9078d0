using System;

namespace LoraLego.Fuzzing;

/// <summary>
/// SplitMix64: tiny, fast and fully specified, so a (campaign seed, case index) pair replays the
/// same mutation on any runtime (System.Random's algorithm is not a contract).
/// </summary>
public sealed class FuzzRandom
{
    private ulong _state;

    public FuzzRandom(ulong seed) => _state = seed;

    /// <summary>The generator for one case of a campaign: independent of every other case.</summary>
    public static FuzzRandom ForCase(ulong campaignSeed, long caseIndex) =>
        new(Mix(campaignSeed ^ Mix((ulong)caseIndex + 0x632BE59BD9B4E019UL)));

    public ulong NextULong() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform in [0, bound).</summary>
    public int Next(int bound) => bound <= 0 ? 0 : (int)(NextULong() % (ulong)bound);

    /// <summary>Uniform in [0, bound).</summary>
    public long NextLong(long bound) => bound <= 0 ? 0 : (long)(NextULong() % (ulong)bound);

    public bool Chance(double p) => (NextULong() >> 11) * (1.0 / (1UL << 53)) < p;

    public T Pick<T>(T[] items) => items[Next(items.Length)];

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
