using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Clustering;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// Rank-wise clustering on the rank-1 terms themselves (a variant of LoRA-LEGO, measured in
/// docs/benchmarks.md "Quality"). Similarity is the cosine of the rank-1 matrices,
/// |⟨b_i,b_j⟩⟨a_i,a_j⟩| / (‖b_i‖‖a_i‖‖b_j‖‖a_j‖), which ignores the (c·b, a/c) symmetry that plain
/// averaging of [a ; b] trips over. Each cluster's representative is the best rank-1 approximation of
/// its members' summed delta (power iteration from the factors), so the merged module approximates the
/// exact sum Σ ΔW_i and reduces to it when K ≥ the pool size. Spherical k-means (assign by |cos| to the
/// centroid direction), k-means++ seeding weighted by ‖u_i‖², restarts from
/// <see cref="LegoOptions.Restarts"/>; the restart that leaves the least within-cluster energy
/// Σ_c (‖M_c‖² − σ_c²) is kept.
/// </summary>
public sealed class LegoRankOneMethod : IMergeMethod
{
    public const string MethodName = "LegoRankOne";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        ModuleInputChecks.Validate(input);
        if (options is null) throw new ArgumentNullException(nameof(options));
        var lego = options.Lego ?? new LegoOptions();
        var pool = UnitBlockOps.FoldScales(UnitBlockOps.Concatenate(input.Sources));
        int k = ModuleInputChecks.RankOrDefault(input, options, ModuleInputChecks.MaxSourceRank(input));
        if (k >= pool.Count) return pool;

        var terms = new RankOneTerms(pool);
        var rng = new SplitMix64(unchecked((ulong)(long)options.Seed * 0x9E3779B97F4A7C15UL + 0x5151UL));
        RankOneCentroid[]? best = null;
        double bestResidual = double.PositiveInfinity;
        for (int restart = 0; restart < Math.Max(1, lego.Restarts); restart++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var centroids = RunOnce(terms, k, lego.MaxIterations, rng, cancellationToken);
            double residual = centroids.Sum(c => terms.SumNormSquared(c.Members) - (c.Sigma * c.Sigma));
            if (residual < bestResidual - (1e-12 * Math.Abs(bestResidual)) || best is null)
            {
                best = centroids;
                bestResidual = residual;
            }
        }

        // Output order follows the clusters' first members, so it does not depend on k-means' labels.
        var ordered = best!.OrderBy(c => c.Members.Count == 0 ? int.MaxValue : c.Members[0]).ToArray();
        var a = new float[(long)ordered.Length * pool.InFeatures];
        var bt = new float[(long)ordered.Length * pool.OutFeatures];
        for (int j = 0; j < ordered.Length; j++) terms.WriteUnit(ordered[j], a, bt, j);
        var scale = Enumerable.Repeat(1.0, ordered.Length).ToArray();
        return new UnitBlock(pool.InFeatures, pool.OutFeatures, a, bt, scale);
    }

    private static RankOneCentroid[] RunOnce(RankOneTerms terms, int k, int maxIterations, SplitMix64 rng, CancellationToken ct)
    {
        int n = terms.Count;
        var assignment = SeedPlusPlus(terms, k, rng);
        RankOneCentroid[] centroids = Centroids(terms, assignment, k);
        for (int it = 0; it < Math.Max(1, maxIterations); it++)
        {
            ct.ThrowIfCancellationRequested();
            var next = new int[n];
            var fit = new double[n];
            for (int i = 0; i < n; i++)
            {
                int bestC = assignment[i];
                double bestCos = -1;
                for (int c = 0; c < k; c++)
                {
                    if (centroids[c].Sigma == 0 || terms.Norms[i] == 0) continue;
                    double cos = Math.Abs(terms.InnerWithCentroid(i, centroids[c])) / terms.Norms[i];
                    if (cos > bestCos + 1e-15)
                    {
                        bestCos = cos;
                        bestC = c;
                    }
                }

                next[i] = bestC;
                fit[i] = bestCos;
            }

            RefillEmpty(next, fit, k, terms.Norms);
            bool changed = !next.SequenceEqual(assignment);
            assignment = next;
            centroids = Centroids(terms, assignment, k);
            if (!changed) break;
        }

        return centroids;
    }

    /// <summary>k-means++ on the distance 1 − |cos|, each unit weighted by its energy ‖u_i‖²; returns the nearest-seed partition.</summary>
    private static int[] SeedPlusPlus(RankOneTerms terms, int k, SplitMix64 rng)
    {
        int n = terms.Count;
        var seeds = new List<int>();
        var nearest = new double[n];
        for (int i = 0; i < n; i++) nearest[i] = 1.0;
        var assignment = new int[n];
        while (seeds.Count < k)
        {
            double total = 0;
            for (int i = 0; i < n; i++) total += terms.Norms[i] * terms.Norms[i] * nearest[i] * nearest[i];
            int pick;
            if (total > 0)
            {
                double target = rng.NextDouble() * total;
                pick = n - 1;
                for (int i = 0; i < n; i++)
                {
                    target -= terms.Norms[i] * terms.Norms[i] * nearest[i] * nearest[i];
                    if (target < 0)
                    {
                        pick = i;
                        break;
                    }
                }
            }
            else
            {
                pick = Enumerable.Range(0, n).First(i => !seeds.Contains(i));
            }

            seeds.Add(pick);
            for (int i = 0; i < n; i++)
            {
                double d = 1 - terms.AbsCosine(i, pick);
                if (d < nearest[i] || seeds.Count == 1)
                {
                    nearest[i] = i == pick ? 0 : d;
                    assignment[i] = seeds.Count - 1;
                }
            }
        }

        return assignment;
    }

    private static RankOneCentroid[] Centroids(RankOneTerms terms, int[] assignment, int k)
    {
        var members = new List<int>[k];
        for (int c = 0; c < k; c++) members[c] = new List<int>();
        for (int i = 0; i < assignment.Length; i++) members[assignment[i]].Add(i);
        return members.Select(m => m.Count == 0 ? RankOneCentroid.Zero(m) : terms.TopTerm(m)).ToArray();
    }

    /// <summary>An empty cluster takes the worst-fitting unit (largest energy left unexplained) from a cluster with more than one member.</summary>
    private static void RefillEmpty(int[] assignment, double[] fit, int k, double[] norms)
    {
        var sizes = new int[k];
        foreach (int c in assignment) sizes[c]++;
        for (int c = 0; c < k; c++)
        {
            if (sizes[c] > 0) continue;
            int worst = -1;
            double worstLoss = -1;
            for (int i = 0; i < assignment.Length; i++)
            {
                if (sizes[assignment[i]] < 2) continue;
                double loss = norms[i] * norms[i] * (1 - (Math.Max(0, fit[i]) * Math.Max(0, fit[i])));
                if (loss > worstLoss)
                {
                    worstLoss = loss;
                    worst = i;
                }
            }

            if (worst < 0) return;
            sizes[assignment[worst]]--;
            assignment[worst] = c;
            sizes[c]++;
        }
    }
}
