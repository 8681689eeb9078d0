using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using LoraLego.Clustering;
using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// LoRA-LEGO on one module: pool every source's units, cluster them with k-means on the feature Gram
/// matrix, take each cluster's mean [a ; b] as one merged unit, then apply the dual reweighting.
/// K = <see cref="MergeOptions.Rank"/> (default the largest source rank); K ≥ pool size passes the units through.
/// </summary>
public static class LegoClusterer
{
    public static LegoModuleResult Cluster(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken = default)
    {
        ModuleInputChecks.Validate(input);
        if (options is null) throw new ArgumentNullException(nameof(options));
        var lego = options.Lego ?? new LegoOptions();

        var refs = new List<UnitRef>();
        for (int s = 0; s < input.Sources.Count; s++)
        {
            for (int u = 0; u < input.Sources[s].Count; u++) refs.Add(new UnitRef(s, u));
        }

        // The units stay in the source blocks; folding and canonicalising are per-unit factors.
        var pool = UnitPool.Create(input.Sources, lego.FoldScales, lego.Canonicalize == UnitCanonicalization.BalanceAndSign);
        int n = pool.Count;
        if (n == 0)
        {
            var empty = new UnitBlock(pool.InFeatures, pool.OutFeatures, Array.Empty<float>(), Array.Empty<float>(), Array.Empty<double>());
            return new LegoModuleResult(empty, Array.Empty<ClusterInfo>(), 1.0, 0);
        }

        int k = ModuleInputChecks.RankOrDefault(input, options, ModuleInputChecks.MaxSourceRank(input));
        double meanRank = (double)n / input.Sources.Count;

        List<int>[] members;
        double[] inertia;
        int iterations = 0;
        if (k >= n)
        {
            members = Enumerable.Range(0, n).Select(i => new List<int> { i }).ToArray();
            inertia = new double[n];
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
            var gram = pool.FeatureGram(lego.FeatureNormalization);
            var km = GramKMeans.Cluster(
                gram,
                n,
                new KMeansOptions { K = k, Restarts = lego.Restarts, MaxIterations = lego.MaxIterations, Tolerance = lego.Tolerance, Seed = options.Seed },
                cancellationToken);
            (members, inertia) = GroupByFirstMember(km);
            iterations = km.Iterations;
        }

        int kOut = members.Length;
        double outputFactor = lego.OutputReweighting == OutputReweighting.SqrtRankRatio ? Math.Sqrt(meanRank / kOut) : 1.0;
        var a = new float[(long)kOut * pool.InFeatures];
        var bt = new float[(long)kOut * pool.OutFeatures];
        var scale = new double[kOut];
        var clusters = new ClusterInfo[kOut];
        var sumA = new double[pool.InFeatures];
        var sumB = new double[pool.OutFeatures];
        for (int j = 0; j < kOut; j++)
        {
            double factor = WriteCentroid(pool, members[j], lego.ParameterReweighting, sumA, sumB, a, bt, j);
            double memberScale = 0;
            foreach (int i in members[j]) memberScale += pool.Scale[i];
            scale[j] = outputFactor * (memberScale / members[j].Count);
            clusters[j] = new ClusterInfo(j, members[j].Select(i => refs[i]).ToArray(), inertia[j], factor);
        }

        var centroids = new UnitBlock(pool.InFeatures, pool.OutFeatures, a, bt, scale);
        if (lego.Decorrelate) centroids = SingularTriplets.DecorrelateUnits(centroids);
        return new LegoModuleResult(centroids, clusters, outputFactor, iterations);
    }

    /// <summary>Clusters as ascending member lists, ordered by their first member, so output order does not depend on k-means' labels.</summary>
    private static (List<int>[] Members, double[] Inertia) GroupByFirstMember(KMeansResult km)
    {
        var byLabel = new List<int>[km.K];
        for (int j = 0; j < km.K; j++) byLabel[j] = new List<int>();
        for (int i = 0; i < km.Assignment.Length; i++) byLabel[km.Assignment[i]].Add(i);
        var order = Enumerable.Range(0, km.K).Where(j => byLabel[j].Count > 0).OrderBy(j => byLabel[j][0]).ToArray();
        return (order.Select(j => byLabel[j]).ToArray(), order.Select(j => km.ClusterInertia[j]).ToArray());
    }

    /// <summary>
    /// Writes the members' mean [a ; b] into row j, rescaled by the parameter reweighting; returns that factor.
    /// <paramref name="ca"/> and <paramref name="cb"/> are float64 work space, reused across clusters.
    /// </summary>
    [MethodImpl(JitHints.Hot)]
    private static double WriteCentroid(UnitPool pool, List<int> members, ParameterReweighting reweighting, double[] ca, double[] cb, float[] a, float[] bt, int j)
    {
        int din = pool.InFeatures, dout = pool.OutFeatures;
        Array.Clear(ca, 0, ca.Length);
        Array.Clear(cb, 0, cb.Length);
        double inv = 1.0 / members.Count;
        double memberNorms = 0;
        foreach (int i in members)
        {
            pool.AddTo(i, inv, ca, cb);
            if (reweighting != ParameterReweighting.Off) memberNorms += reweighting == ParameterReweighting.MaxAbs ? pool.JointMaxAbs(i) : pool.JointNorm(i);
        }

        // Averaging units that are not aligned shrinks the mean; restore the members' mean norm.
        double factor = 1.0;
        if (reweighting != ParameterReweighting.Off && members.Count > 1)
        {
            double centroidNorm = reweighting == ParameterReweighting.MaxAbs
                ? Math.Max(MaxAbs(ca), MaxAbs(cb))
                : Math.Sqrt(VectorKernels.Dot(ca, ca) + VectorKernels.Dot(cb, cb));
            if (centroidNorm > 0) factor = memberNorms * inv / centroidNorm;
        }

        VectorKernels.ScaleToFloat(factor, ca, new Span<float>(a, j * din, din));
        VectorKernels.ScaleToFloat(factor, cb, new Span<float>(bt, j * dout, dout));
        return factor;
    }

    private static double MaxAbs(double[] x)
    {
        double m = 0;
        foreach (double v in x) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
