using System;
using System.Collections.Generic;
using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// A module's pool of rank-1 terms u_i = b_i a_iᵀ (scales folded in) seen only through inner products:
/// ⟨u_i, u_j⟩_F = ⟨a_i, a_j⟩⟨b_i, b_j⟩. Everything the rank-1 methods need (similarities, the best
/// rank-1 approximation of a sum of terms) is computed in the span of the members' own vectors, so
/// the cost is two Gram products plus O(m²) per cluster operation, whatever the module's width.
/// </summary>
internal sealed class RankOneTerms
{
    private const int PowerIterations = 300;
    private const double PowerTolerance = 1e-13;

    public RankOneTerms(UnitBlock foldedPool)
    {
        Pool = foldedPool;
        Count = foldedPool.Count;
        GramA = GramMatrix.Compute(foldedPool.A, Count, foldedPool.InFeatures);
        GramB = GramMatrix.Compute(foldedPool.BT, Count, foldedPool.OutFeatures);
        Norms = new double[Count];
        for (int i = 0; i < Count; i++) Norms[i] = Math.Sqrt(Math.Max(0, GA(i, i) * GB(i, i)));
    }

    /// <summary>Units with scale 1 (folded).</summary>
    public UnitBlock Pool { get; }

    public int Count { get; }

    public double[] GramA { get; }

    public double[] GramB { get; }

    /// <summary>‖u_i‖_F = ‖a_i‖‖b_i‖.</summary>
    public double[] Norms { get; }

    public double GA(int i, int j) => GramA[((long)i * Count) + j];

    public double GB(int i, int j) => GramB[((long)i * Count) + j];

    /// <summary>|cos| of the angle between u_i and u_j as matrices: invariant to (b, a) → (c·b, a/c), c = −1 included.</summary>
    public double AbsCosine(int i, int j)
    {
        double d = Norms[i] * Norms[j];
        return d > 0 ? Math.Abs(GA(i, j) * GB(i, j)) / d : 0;
    }

    /// <summary>
    /// Best rank-1 approximation σ·u vᵀ of M = Σ_{j∈members} b_j a_jᵀ (Eckart–Young), by power iteration
    /// on MᵀM restricted to span{a_j}: with v = Σ x_j a_j, MᵀM v = Σ_j a_j (G_B G_A x)_j. Returns the
    /// coefficients: v = Σ VCoef[j] a_j (‖v‖ = 1) and u = Σ UCoef[j] b_j (‖u‖ = 1).
    /// </summary>
    public RankOneCentroid TopTerm(IReadOnlyList<int> members)
    {
        int m = members.Count;
        var ga = new double[m * m];
        var gb = new double[m * m];
        int start = 0;
        for (int p = 0; p < m; p++)
        {
            if (Norms[members[p]] > Norms[members[start]]) start = p;
            for (int q = 0; q < m; q++)
            {
                ga[(p * m) + q] = GA(members[p], members[q]);
                gb[(p * m) + q] = GB(members[p], members[q]);
            }
        }

        var x = new double[m];
        var y = new double[m];
        x[start] = 1;
        if (!Normalise(x, ga, m)) return RankOneCentroid.Zero(members);
        double sigma2 = 0;
        for (int it = 0; it < PowerIterations; it++)
        {
            MatVec(ga, x, y, m);            // y = G_A x: the coefficients of M v on the b's
            var next = new double[m];
            MatVec(gb, y, next, m);         // G_B G_A x
            if (!Normalise(next, ga, m)) return RankOneCentroid.Zero(members);
            double s2 = QuadraticForm(gb, y, m);
            Array.Copy(next, x, m);
            if (Math.Abs(s2 - sigma2) <= PowerTolerance * Math.Max(s2, 1e-300)) break;
            sigma2 = s2;
        }

        MatVec(ga, x, y, m);
        double sigma = Math.Sqrt(Math.Max(0, QuadraticForm(gb, y, m)));
        if (sigma == 0) return RankOneCentroid.Zero(members);
        for (int p = 0; p < m; p++) y[p] /= sigma;
        return new RankOneCentroid(members, sigma, x, y);
    }

    /// <summary>⟨u_i, u vᵀ⟩ = (b_i·u)(a_i·v) for a centroid given by coefficients.</summary>
    public double InnerWithCentroid(int i, RankOneCentroid c)
    {
        double av = 0, bu = 0;
        for (int p = 0; p < c.Members.Count; p++)
        {
            int j = c.Members[p];
            av += c.VCoef[p] * GA(i, j);
            bu += c.UCoef[p] * GB(i, j);
        }

        return av * bu;
    }

    /// <summary>‖Σ_{j∈members} u_j‖²_F.</summary>
    public double SumNormSquared(IReadOnlyList<int> members)
    {
        double s = 0;
        foreach (int i in members)
            foreach (int j in members) s += GA(i, j) * GB(i, j);
        return s;
    }

    /// <summary>Writes σ^½·v into row <paramref name="row"/> of <paramref name="a"/> and σ^½·u into row <paramref name="row"/> of <paramref name="bt"/>.</summary>
    public void WriteUnit(RankOneCentroid c, float[] a, float[] bt, int row)
    {
        int din = Pool.InFeatures, dout = Pool.OutFeatures;
        var va = new double[din];
        var vb = new double[dout];
        double root = Math.Sqrt(c.Sigma);
        for (int p = 0; p < c.Members.Count; p++)
        {
            int j = c.Members[p];
            VectorKernelsAxpy(c.VCoef[p] * root, Pool.UnitA(j), va);
            VectorKernelsAxpy(c.UCoef[p] * root, Pool.UnitB(j), vb);
        }

        for (int x = 0; x < din; x++) a[((long)row * din) + x] = (float)va[x];
        for (int x = 0; x < dout; x++) bt[((long)row * dout) + x] = (float)vb[x];
    }

    private static void VectorKernelsAxpy(double alpha, ReadOnlySpan<float> x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += alpha * x[i];
    }

    private static void MatVec(double[] g, double[] x, double[] y, int m)
    {
        for (int p = 0; p < m; p++)
        {
            double s = 0;
            for (int q = 0; q < m; q++) s += g[(p * m) + q] * x[q];
            y[p] = s;
        }
    }

    private static double QuadraticForm(double[] g, double[] x, int m)
    {
        double s = 0;
        for (int p = 0; p < m; p++)
            for (int q = 0; q < m; q++) s += x[p] * g[(p * m) + q] * x[q];
        return s;
    }

    /// <summary>Scales x so that ‖Σ x_j a_j‖ = 1; false when that vector is zero.</summary>
    private static bool Normalise(double[] x, double[] ga, int m)
    {
        double n2 = QuadraticForm(ga, x, m);
        if (!(n2 > 0)) return false;
        double inv = 1 / Math.Sqrt(n2);
        for (int p = 0; p < m; p++) x[p] *= inv;
        return true;
    }
}

/// <summary>σ·u vᵀ with u = Σ UCoef[p] b_{Members[p]}, v = Σ VCoef[p] a_{Members[p]}, both unit vectors (σ = 0: no term).</summary>
internal sealed class RankOneCentroid
{
    public RankOneCentroid(IReadOnlyList<int> members, double sigma, double[] vCoef, double[] uCoef)
    {
        Members = members;
        Sigma = sigma;
        VCoef = vCoef;
        UCoef = uCoef;
    }

    public IReadOnlyList<int> Members { get; }

    public double Sigma { get; }

    public double[] VCoef { get; }

    public double[] UCoef { get; }

    public static RankOneCentroid Zero(IReadOnlyList<int> members) => new(members, 0, new double[members.Count], new double[members.Count]);
}
