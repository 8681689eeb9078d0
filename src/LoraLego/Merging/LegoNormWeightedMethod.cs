using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Clustering;
using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// Norm-weighted rank-wise clustering (a variant of LoRA-LEGO, measured in docs/benchmarks.md
/// "Quality"). Units are folded and canonicalised, clustered on their directions [a/‖a‖ ; b/‖b‖] by
/// weighted k-means with weight ‖u_i‖_F = ‖a_i‖‖b_i‖, so a cluster's direction follows its strong
/// units instead of being pulled by near-zero ones. The representative of a cluster is its weighted mean
/// direction ĉ = ĉ_b ĉ_aᵀ with the least-squares magnitude Σ_i ⟨u_i, ĉ⟩ (the projection of the cluster's
/// summed delta), so the merged module approximates the exact sum Σ ΔW_i, as Concat and Svd do.
/// </summary>
public sealed class LegoNormWeightedMethod : IMergeMethod
{
    public const string MethodName = "LegoNormWeighted";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        ModuleInputChecks.Validate(input);
        if (options is null) throw new ArgumentNullException(nameof(options));
        var lego = options.Lego ?? new LegoOptions();
        var pool = UnitBlockOps.Canonicalize(UnitBlockOps.FoldScales(UnitBlockOps.Concatenate(input.Sources)));
        int n = pool.Count;
        int k = ModuleInputChecks.RankOrDefault(input, options, ModuleInputChecks.MaxSourceRank(input));
        if (k >= n) return pool;

        var ga = GramMatrix.Compute(pool.A, n, pool.InFeatures);
        var gb = GramMatrix.Compute(pool.BT, n, pool.OutFeatures);
        var weight = new double[n];
        for (int i = 0; i < n; i++) weight[i] = Math.Sqrt(Math.Max(0, ga[(i * n) + i] * gb[(i * n) + i]));
        var features = UnitFeatures.Gram(pool, FeatureNormalization.PerHalfL2);

        var rng = new SplitMix64(unchecked((ulong)(long)options.Seed * 0x9E3779B97F4A7C15UL + 0x4E57UL));
        int[]? best = null;
        double bestInertia = double.PositiveInfinity;
        for (int restart = 0; restart < Math.Max(1, lego.Restarts); restart++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (assignment, inertia) = WeightedKMeans.Run(features, weight, n, k, lego.MaxIterations, rng);
            if (best is null || inertia < bestInertia - (1e-12 * Math.Abs(bestInertia)))
            {
                best = assignment;
                bestInertia = inertia;
            }
        }

        var clusters = Enumerable.Range(0, k).Select(c => Enumerable.Range(0, n).Where(i => best![i] == c).ToList())
            .Where(m => m.Count > 0).OrderBy(m => m[0]).ToArray();
        var a = new float[(long)clusters.Length * pool.InFeatures];
        var bt = new float[(long)clusters.Length * pool.OutFeatures];
        for (int j = 0; j < clusters.Length; j++) WriteRepresentative(pool, clusters[j], weight, a, bt, j);
        return new UnitBlock(pool.InFeatures, pool.OutFeatures, a, bt, Enumerable.Repeat(1.0, clusters.Length).ToArray());
    }

    private static void WriteRepresentative(UnitBlock pool, List<int> members, double[] weight, float[] a, float[] bt, int row)
    {
        int din = pool.InFeatures, dout = pool.OutFeatures;
        var ca = new double[din];
        var cb = new double[dout];
        foreach (int i in members)
        {
            double na = Math.Sqrt(VectorKernels.SumOfSquares(pool.UnitA(i)));
            double nb = Math.Sqrt(VectorKernels.SumOfSquares(pool.UnitB(i)));
            if (na == 0 || nb == 0) continue;
            Add(weight[i] / na, pool.UnitA(i), ca);
            Add(weight[i] / nb, pool.UnitB(i), cb);
        }

        double la = Math.Sqrt(VectorKernels.Dot(ca, ca)), lb = Math.Sqrt(VectorKernels.Dot(cb, cb));
        if (la == 0 || lb == 0) return;
        VectorKernels.Scale(1 / la, ca);
        VectorKernels.Scale(1 / lb, cb);

        // Least-squares magnitude of the cluster's summed delta along ĉ_b ĉ_aᵀ: Σ_i (b_i·ĉ_b)(a_i·ĉ_a).
        double magnitude = 0;
        foreach (int i in members) magnitude += Dot(pool.UnitA(i), ca) * Dot(pool.UnitB(i), cb);
        double root = Math.Sqrt(Math.Abs(magnitude));
        double sign = magnitude < 0 ? -1 : 1;
        for (int x = 0; x < din; x++) a[((long)row * din) + x] = (float)(sign * root * ca[x]);
        for (int x = 0; x < dout; x++) bt[((long)row * dout) + x] = (float)(root * cb[x]);
    }

    private static void Add(double alpha, ReadOnlySpan<float> x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += alpha * x[i];
    }

    private static double Dot(ReadOnlySpan<float> x, double[] y)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }
}
