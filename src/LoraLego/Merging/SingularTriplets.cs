using System;
using System.Collections.Generic;
using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// Singular triplets (u_j, σ_j, v_j) gathered from several sources, and the decorrelated rebuild
/// TSV-M and Iso-CTS share: Σ_j σ'_j polar(U)_j polar(V)_jᵀ, where polar is the orthonormal polar factor
/// of the concatenated vectors (<see cref="PolarFactor"/>). Everything stays in factored form.
/// </summary>
internal sealed class SingularTriplets
{
    private readonly List<double[]> _u = new();
    private readonly List<double[]> _v = new();
    private readonly List<double> _sigma = new();

    public int Count => _sigma.Count;

    public IReadOnlyList<double> Sigma => _sigma;

    /// <summary>The factored SVD of one source's delta (its own units), at most <paramref name="rank"/> triplets.</summary>
    public static FactoredSvd OfSource(UnitBlock source, int rank = int.MaxValue) =>
        FactoredSvd.Compute(source.A, source.BT, source.Scale, source.InFeatures, source.OutFeatures, rank);

    public void Add(FactoredSvd svd)
    {
        for (int j = 0; j < svd.Rank; j++)
        {
            _u.Add(svd.U[j]);
            _v.Add(svd.V[j]);
            _sigma.Add(svd.Sigma[j]);
        }
    }

    /// <summary>Adds one rank-1 term s·b aᵀ as a triplet (unit u, σ ≥ 0, unit v); a zero term adds nothing.</summary>
    public void Add(ReadOnlySpan<float> b, ReadOnlySpan<float> a, double scale)
    {
        double nb = Math.Sqrt(VectorKernels.SumOfSquares(b)), na = Math.Sqrt(VectorKernels.SumOfSquares(a));
        double sigma = scale * nb * na;
        if (sigma == 0 || double.IsNaN(sigma)) return;
        double sign = sigma < 0 ? -1 : 1;
        var u = new double[b.Length];
        var v = new double[a.Length];
        for (int i = 0; i < u.Length; i++) u[i] = sign * b[i] / nb;
        for (int i = 0; i < v.Length; i++) v[i] = a[i] / na;
        _u.Add(u);
        _v.Add(v);
        _sigma.Add(Math.Abs(sigma));
    }

    /// <summary>
    /// The block's units decorrelated one for one: unit j (s·b aᵀ, σ_j = |s|‖b‖‖a‖) becomes √σ_j ū_j, √σ_j v̄_j
    /// with scale 1, where [ū], [v̄] are the orthonormal polar factors of the nonzero units' directions;
    /// zero units stay zero. Σ_j of the result is <see cref="Decorrelated"/> of the same triplets.
    /// </summary>
    public static UnitBlock DecorrelateUnits(UnitBlock block)
    {
        var triplets = new SingularTriplets();
        var at = new List<int>();
        for (int j = 0; j < block.Count; j++)
        {
            int before = triplets.Count;
            triplets.Add(block.UnitB(j), block.UnitA(j), block.Scale[j]);
            if (triplets.Count > before) at.Add(j);
        }

        var a = new float[block.A.Length];
        var bt = new float[block.BT.Length];
        var scale = new double[block.Count];
        if (at.Count > 0)
        {
            double[][] u = PolarFactor.Of(triplets._u, block.OutFeatures);
            double[][] v = PolarFactor.Of(triplets._v, block.InFeatures);
            for (int t = 0; t < at.Count; t++)
            {
                int j = at[t];
                double root = Math.Sqrt(triplets._sigma[t]);
                VectorKernels.ScaleToFloat(root, u[t], new Span<float>(bt, j * block.OutFeatures, block.OutFeatures));
                VectorKernels.ScaleToFloat(root, v[t], new Span<float>(a, j * block.InFeatures, block.InFeatures));
                scale[j] = 1.0;
            }
        }

        return new UnitBlock(block.InFeatures, block.OutFeatures, a, bt, scale);
    }

    /// <summary>Σ_j sigma[j] ū_j v̄_jᵀ with [ū_j] = polar([u_j]) and [v̄_j] = polar([v_j]), reduced to its top <paramref name="rank"/> triplets.</summary>
    public FactoredSvd Decorrelated(IReadOnlyList<double> sigma, int inFeatures, int outFeatures, int rank)
    {
        if (Count == 0) return FactoredSvd.Empty(outFeatures, inFeatures);
        double[][] u = PolarFactor.Of(_u, outFeatures);
        double[][] v = PolarFactor.Of(_v, inFeatures);
        return FactoredSvd.Compute(u, v, sigma, inFeatures, outFeatures, rank);
    }
}
