using System;
using System.Collections.Generic;
using System.Threading;
using LoraLego.Linalg;
using LoraLego.Merging;
using LoraLego.Merging.Dense;
using LoraLego.Units;

namespace LoraLego.Measuring;

/// <summary>
/// Measures a merged module against its sources from the factors alone: Frobenius inner products
/// from small Gram products, ⟨Σ s b aᵀ, Σ t c dᵀ⟩ = Σ_kl s_k t_l (b_k·c_l)(a_k·d_l); norms of
/// sums and differences from a QR core (no cancellation of squared norms, so an exact merge
/// measures ~1e-7, not ~1e-4); projections from the merged delta's thin SVD. Nothing of size
/// d_out × d_in is formed, so every module of a 7B model can be measured.
/// </summary>
public static class MergeMeasurer
{
    /// <summary>Singular values of ΔM below this fraction of the largest do not span its column/row spaces.</summary>
    private const double RelativeSigmaFloor = 1e-9;

    public static ModuleMeasurement Measure(ModuleMergeInput input, UnitBlock merged, CancellationToken cancellationToken = default)
    {
        MergeInputChecks.Sources(input);
        if (merged.InFeatures != input.InFeatures || merged.OutFeatures != input.OutFeatures)
        {
            throw new Diagnostics.LoraLegoException("MeasureShapeMismatch", Diagnostics.LoraErrorCategory.InvalidData, input.Module, $"Module '{input.Module}': the merged block is {merged.OutFeatures}×{merged.InFeatures} but the module is {input.OutFeatures}×{input.InFeatures} (out×in).");
        }

        var mb = new List<double[]>();
        var ma = new List<double[]>();
        var ms = new List<double>();
        UnitFactors.Stack(new[] { merged }, mb, ma, ms);

        // One QR per side of the stack [sources…, merged…] gives the norms of the sum, of the
        // merged delta and of their difference: each is the same stack with other signed scales.
        var b = new List<double[]>();
        var a = new List<double[]>();
        var sourceScales = new List<double>();
        UnitFactors.Stack(input.Sources, b, a, sourceScales);
        int sourceUnits = b.Count;
        b.AddRange(mb);
        a.AddRange(ma);
        var qb = HouseholderQr.FromVectors(b, input.OutFeatures);
        var qa = HouseholderQr.FromVectors(a, input.InFeatures);
        var onlySources = new double[b.Count];
        var onlyMerged = new double[b.Count];
        var difference = new double[b.Count];
        for (int k = 0; k < sourceUnits; k++) onlySources[k] = difference[k] = sourceScales[k];
        for (int k = 0; k < ms.Count; k++) onlyMerged[sourceUnits + k] = ms[k];
        for (int k = 0; k < ms.Count; k++) difference[sourceUnits + k] = -ms[k];
        double sumNorm = FactoredSvd.FrobeniusNorm(qb, qa, onlySources);
        double mergedNorm = FactoredSvd.FrobeniusNorm(qb, qa, onlyMerged);
        double errorNorm = FactoredSvd.FrobeniusNorm(qb, qa, difference);
        cancellationToken.ThrowIfCancellationRequested();

        var svd = FactoredSvd.Compute(mb, ma, ms, input.InFeatures, input.OutFeatures);
        int t = 0;
        while (t < svd.Rank && svd.Sigma[t] > RelativeSigmaFloor * svd.Sigma[0]) t++;
        var u = svd.Truncated(t).U;
        var v = svd.Truncated(t).V;

        // Projection of the whole sum, accumulated source by source: Uᵀ(ΣΔS_i)V = Σ_i UᵀΔS_i V.
        var sumProjected = new double[t, t];
        var sources = new SourceMeasurement[input.Sources.Count];
        for (int i = 0; i < sources.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var block = input.Sources[i];
            var sb = new List<double[]>();
            var sa = new List<double[]>();
            var ss = new List<double>();
            UnitFactors.Stack(new[] { block }, sb, sa, ss);
            double norm = FactoredSvd.FrobeniusNorm(HouseholderQr.FromVectors(sb, input.OutFeatures), HouseholderQr.FromVectors(sa, input.InFeatures), ss);
            double inner = Inner(mb, ma, ms, sb, sa, ss);
            double projected = ProjectedNorm(u, v, sb, sa, ss, sumProjected);
            sources[i] = new SourceMeasurement(i, norm, Ratio(projected, norm), Ratio(inner, mergedNorm * norm));
        }

        double captured = 0;
        foreach (double x in sumProjected) captured += x * x;

        return new ModuleMeasurement(
            input.Module,
            merged.Count,
            mergedNorm,
            sumNorm,
            Ratio(errorNorm, sumNorm),
            Ratio(captured, sumNorm * sumNorm),
            EffectiveRank(svd.Sigma),
            sources);
    }

    /// <summary>exp of the Shannon entropy of the normalised singular values.</summary>
    internal static double EffectiveRank(IReadOnlyList<double> sigma)
    {
        double total = 0;
        foreach (double x in sigma) total += x;
        if (total <= 0) return 0;
        double h = 0;
        foreach (double x in sigma)
        {
            if (x <= 0) continue;
            double p = x / total;
            h -= p * Math.Log(p);
        }

        return Math.Exp(h);
    }

    private static double Inner(List<double[]> b1, List<double[]> a1, List<double> s1, List<double[]> b2, List<double[]> a2, List<double> s2)
    {
        double sum = 0;
        for (int k = 0; k < b1.Count; k++)
        {
            for (int l = 0; l < b2.Count; l++)
            {
                sum += s1[k] * s2[l] * VectorKernels.Dot(b1[k], b2[l]) * VectorKernels.Dot(a1[k], a2[l]);
            }
        }

        return sum;
    }

    /// <summary>‖Uᵀ X V‖_F for X = Σ s_k b_k a_kᵀ, i.e. Σ s_k (Uᵀb_k)(Vᵀa_k)ᵀ; adds Uᵀ X V into <paramref name="accumulator"/>.</summary>
    private static double ProjectedNorm(double[][] u, double[][] v, List<double[]> b, List<double[]> a, List<double> s, double[,] accumulator)
    {
        int t = u.Length;
        var own = new double[t, t];
        var ub = new double[t];
        var va = new double[t];
        for (int k = 0; k < b.Count; k++)
        {
            for (int j = 0; j < t; j++)
            {
                ub[j] = s[k] * VectorKernels.Dot(u[j], b[k]);
                va[j] = VectorKernels.Dot(v[j], a[k]);
            }

            for (int p = 0; p < t; p++)
            {
                for (int q = 0; q < t; q++) own[p, q] += ub[p] * va[q];
            }
        }

        double sq = 0;
        for (int p = 0; p < t; p++)
        {
            for (int q = 0; q < t; q++)
            {
                accumulator[p, q] += own[p, q];
                sq += own[p, q] * own[p, q];
            }
        }

        return Math.Sqrt(sq);
    }

    private static double Ratio(double numerator, double denominator) => denominator == 0 ? double.NaN : numerator / denominator;
}
