namespace LoraLego.Merging.Dense;

/// <summary>
/// DARE's random drop: each entry survives with probability <c>density</c> (one draw per entry,
/// in index order, from the task's own seeded stream) and survivors are divided by the density so
/// the expected value of the task vector is unchanged.
/// </summary>
internal static class RandomDrop
{
    public static void Apply(float[] x, double density, SplitMixRandom rng)
    {
        if (density >= 1) return;
        ulong limit = KeepLimit(density);
        for (int i = 0; i < x.Length; i++)
        {
            bool keep = (rng.NextUInt64() >> 32) < limit;
            x[i] = keep ? (float)(x[i] / density) : 0f;
        }
    }

    /// <summary>An entry is kept when the high 32 bits of its draw are below this limit.</summary>
    public static ulong KeepLimit(double density) => (ulong)(density * 4294967296.0);
}
