using System;

namespace LoraLego.Clustering;

/// <summary>Settings of one k-means run. Same options and inputs give a bit-identical result.</summary>
public sealed class KMeansOptions
{
    /// <summary>Number of clusters, 1 ≤ K ≤ number of points.</summary>
    public int K { get; set; } = 1;

    /// <summary>Independent k-means++ starts; the lowest total inertia wins (earliest on ties).</summary>
    public int Restarts { get; set; } = 4;

    /// <summary>Upper bound on Lloyd iterations per start.</summary>
    public int MaxIterations { get; set; } = 100;

    /// <summary>Stop a start when an iteration lowers the inertia by no more than this fraction of it.</summary>
    public double Tolerance { get; set; } = 1e-6;

    public int Seed { get; set; }

    internal void Validate(int points)
    {
        if (K < 1 || K > points) throw new ArgumentOutOfRangeException(nameof(K), K, $"K must be between 1 and the number of points ({points}).");
        if (Restarts < 1) throw new ArgumentOutOfRangeException(nameof(Restarts), Restarts, "Restarts must be at least 1.");
        if (MaxIterations < 1) throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "MaxIterations must be at least 1.");
        if (!(Tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance must be non-negative.");
    }
}
