using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace LoraLego.Clustering;

/// <summary>
/// Lloyd's k-means with k-means++ seeding, run on the Gram matrix G of the points only. With a cluster's
/// mean c_j = (1/|S_j|) Σ_{l∈S_j} x_l, ‖x_i − c_j‖² = G_ii − (2/|S_j|) Σ_{l∈S_j} G_il + (1/|S_j|²) Σ_{l,m∈S_j} G_lm,
/// so an iteration costs O(n²) whatever the points' dimension. Everything runs on one thread in a fixed
/// order, so the result is bit-identical for a given seed and Gram matrix.
/// </summary>
public static class GramKMeans
{
    /// <summary>Clusters the <paramref name="count"/> points whose Gram matrix (count × count, row-major) is <paramref name="gram"/>.</summary>
    public static KMeansResult Cluster(double[] gram, int count, KMeansOptions options, CancellationToken cancellationToken = default)
    {
        if (gram is null) throw new ArgumentNullException(nameof(gram));
        if (options is null) throw new ArgumentNullException(nameof(options));
        if (count < 1 || gram.Length != (long)count * count)
            throw new ArgumentException($"Gram matrix holds {gram.Length} values, expected {count}×{count}.", nameof(gram));
        options.Validate(count);

        var rng = new SplitMix64(unchecked((ulong)(long)options.Seed));
        KMeansResult? best = null;
        for (int restart = 0; restart < options.Restarts; restart++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var run = RunOnce(gram, count, options, rng, restart, cancellationToken);
            if (best is null || run.TotalInertia < best.TotalInertia) best = run;
        }

        return best!;
    }

    [MethodImpl(JitHints.Hot)]
    private static KMeansResult RunOnce(double[] g, int n, KMeansOptions o, SplitMix64 rng, int restart, CancellationToken ct)
    {
        int k = o.K;
        var seeds = SeedPlusPlus(g, n, k, rng);

        // Initial partition: nearest seed point (a one-member "cluster" per seed).
        var dist = new double[(long)n * k];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < k; j++)
            {
                int c = seeds[j];
                dist[((long)i * k) + j] = Math.Max(0, g[((long)i * n) + i] + g[((long)c * n) + c] - (2 * g[((long)i * n) + c]));
            }
        }

        var assignment = new int[n];
        AssignNearest(dist, n, k, assignment);
        FillEmptyClusters(dist, n, k, assignment);

        var next = new int[n];
        double previous = double.PositiveInfinity;
        int iterations = 0;
        for (int it = 1; it <= o.MaxIterations; it++)
        {
            ct.ThrowIfCancellationRequested();
            iterations = it;
            double inertia = DistancesToMeans(g, n, k, assignment, dist);
            if (it > 1 && previous - inertia <= o.Tolerance * previous) break;
            previous = inertia;

            AssignNearest(dist, n, k, next);
            FillEmptyClusters(dist, n, k, next);
            bool changed = false;
            for (int i = 0; i < n && !changed; i++) changed = next[i] != assignment[i];
            if (!changed) break;
            Array.Copy(next, assignment, n);
        }

        return new KMeansResult(assignment, k, ClusterInertia(g, n, k, assignment), iterations, restart);
    }

    /// <summary>k-means++: first seed uniform, each next one drawn with probability ∝ squared distance to the nearest seed.</summary>
    [MethodImpl(JitHints.Hot)]
    private static int[] SeedPlusPlus(double[] g, int n, int k, SplitMix64 rng)
    {
        var seeds = new int[k];
        var chosen = new bool[n];
        var nearest = new double[n];
        seeds[0] = rng.NextInt(n);
        chosen[seeds[0]] = true;
        for (int i = 0; i < n; i++) nearest[i] = PointDistance(g, n, i, seeds[0]);

        for (int j = 1; j < k; j++)
        {
            double total = 0;
            for (int i = 0; i < n; i++) total += chosen[i] ? 0 : nearest[i];

            int pick = -1;
            if (total > 0)
            {
                double target = rng.NextDouble() * total, cumulative = 0;
                int lastPositive = -1;
                for (int i = 0; i < n; i++)
                {
                    if (chosen[i] || nearest[i] <= 0) continue;
                    lastPositive = i;
                    cumulative += nearest[i];
                    if (cumulative > target)
                    {
                        pick = i;
                        break;
                    }
                }

                if (pick < 0) pick = lastPositive; // rounding left the target just past the sum
            }
            else
            {
                // Every point coincides with a seed: take the first unused one so K seeds stay distinct indices.
                for (int i = 0; i < n && pick < 0; i++) if (!chosen[i]) pick = i;
            }

            seeds[j] = pick;
            chosen[pick] = true;
            for (int i = 0; i < n; i++) nearest[i] = Math.Min(nearest[i], PointDistance(g, n, i, pick));
        }

        return seeds;
    }

    private static double PointDistance(double[] g, int n, int i, int c) =>
        Math.Max(0, g[((long)i * n) + i] + g[((long)c * n) + c] - (2 * g[((long)i * n) + c]));

    /// <summary>Fills dist (n × k) with squared distances to the cluster means of <paramref name="assignment"/>; returns the inertia.</summary>
    [MethodImpl(JitHints.Hot)]
    private static double DistancesToMeans(double[] g, int n, int k, int[] assignment, double[] dist)
    {
        // cross[i, j] = Σ_{l∈S_j} G_il, accumulated in index order.
        Array.Clear(dist, 0, dist.Length);
        var size = new int[k];
        for (int l = 0; l < n; l++) size[assignment[l]]++;
        for (int i = 0; i < n; i++)
        {
            long row = (long)i * n, drow = (long)i * k;
            for (int l = 0; l < n; l++) dist[drow + assignment[l]] += g[row + l];
        }

        var self = new double[k];
        for (int l = 0; l < n; l++) self[assignment[l]] += dist[((long)l * k) + assignment[l]];
        for (int j = 0; j < k; j++) self[j] = size[j] == 0 ? 0 : self[j] / ((double)size[j] * size[j]);

        double inertia = 0;
        for (int i = 0; i < n; i++)
        {
            double gii = g[((long)i * n) + i];
            for (int j = 0; j < k; j++)
            {
                long at = ((long)i * k) + j;
                dist[at] = size[j] == 0 ? double.PositiveInfinity : Math.Max(0, gii - (2 * dist[at] / size[j]) + self[j]);
            }

            inertia += dist[((long)i * k) + assignment[i]];
        }

        return inertia;
    }

    // Ties go to the lowest cluster index.
    [MethodImpl(JitHints.Hot)]
    private static void AssignNearest(double[] dist, int n, int k, int[] assignment)
    {
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            double bestD = dist[(long)i * k];
            for (int j = 1; j < k; j++)
            {
                double d = dist[((long)i * k) + j];
                if (d < bestD)
                {
                    best = j;
                    bestD = d;
                }
            }

            assignment[i] = best;
        }
    }

    /// <summary>
    /// Each empty cluster (in index order) takes the point farthest from its own centre among clusters that
    /// keep at least one member; ties go to the lowest point index. That point alone has zero distance, so
    /// the inertia only drops.
    /// </summary>
    [MethodImpl(JitHints.Hot)]
    private static void FillEmptyClusters(double[] dist, int n, int k, int[] assignment)
    {
        var size = new int[k];
        for (int i = 0; i < n; i++) size[assignment[i]]++;
        var moved = new bool[n];
        for (int j = 0; j < k; j++)
        {
            if (size[j] > 0) continue;
            int pick = -1;
            double far = -1;
            for (int i = 0; i < n; i++)
            {
                if (moved[i] || size[assignment[i]] < 2) continue;
                double d = dist[((long)i * k) + assignment[i]];
                if (d > far)
                {
                    far = d;
                    pick = i;
                }
            }

            size[assignment[pick]]--;
            assignment[pick] = j;
            size[j] = 1;
            moved[pick] = true;
        }
    }

    [MethodImpl(JitHints.Hot)]
    private static double[] ClusterInertia(double[] g, int n, int k, int[] assignment)
    {
        // inertia_j = Σ_{i∈S_j} G_ii − (1/|S_j|) Σ_{l,m∈S_j} G_lm
        var size = new int[k];
        var diagonal = new double[k];
        var block = new double[k];
        for (int i = 0; i < n; i++)
        {
            int c = assignment[i];
            size[c]++;
            diagonal[c] += g[((long)i * n) + i];
            long row = (long)i * n;
            for (int l = 0; l < n; l++) if (assignment[l] == c) block[c] += g[row + l];
        }

        var inertia = new double[k];
        for (int j = 0; j < k; j++) inertia[j] = size[j] == 0 ? 0 : Math.Max(0, diagonal[j] - (block[j] / size[j]));
        return inertia;
    }
}
