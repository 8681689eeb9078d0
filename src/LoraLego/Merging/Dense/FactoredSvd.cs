using System;
using System.Collections.Generic;
using System.Linq;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Merging.Dense;

/// <summary>
/// Thin SVD of X = Σ_k s_k b_k a_kᵀ computed from the factors: orthonormalise the b's and the a's
/// (QR), form the small core Cbᵀ diag(s) Ca and take its SVD. Cost O(n² (d_out + d_in)) for n
/// terms; the d_out × d_in matrix is never formed.
/// </summary>
internal sealed class FactoredSvd
{
    internal FactoredSvd(double[][] u, double[] sigma, double[][] v)
    {
        U = u;
        Sigma = sigma;
        V = v;
    }

    /// <summary>Left singular vectors as rows (length d_out), matching <see cref="Sigma"/>.</summary>
    public double[][] U { get; }

    /// <summary>Singular values, descending; exact zeros are dropped.</summary>
    public double[] Sigma { get; }

    /// <summary>Right singular vectors as rows (length d_in).</summary>
    public double[][] V { get; }

    /// <summary>The best rank-<paramref name="rank"/> part (Eckart–Young).</summary>
    public FactoredSvd Truncated(int rank)
    {
        if (Sigma.Length <= rank) return this;
        return new FactoredSvd(U.Take(rank).ToArray(), Sigma.Take(rank).ToArray(), V.Take(rank).ToArray());
    }

    public static FactoredSvd Compute(IReadOnlyList<double[]> b, IReadOnlyList<double[]> a, IReadOnlyList<double> s)
    {
        var qb = OrthonormalRows.Compute(b);
        var qa = OrthonormalRows.Compute(a);
        double[,] core = Core(qb, qa, s);
        return FromCore(qb.Basis, core, qa.Basis);
    }

    /// <summary>‖Σ s_k b_k a_kᵀ‖_F without squaring cancellations: the norm of the QR core.</summary>
    public static double FrobeniusNorm(IReadOnlyList<double[]> b, IReadOnlyList<double[]> a, IReadOnlyList<double> s) =>
        FrobeniusNorm(OrthonormalRows.Compute(b), OrthonormalRows.Compute(a), s);

    /// <summary>
    /// Same, reusing QRs of a superset of the terms: terms with s_k = 0 drop out, so one QR of a
    /// stack serves the norm of any signed sub-sum of it.
    /// </summary>
    public static double FrobeniusNorm(OrthonormalRows qb, OrthonormalRows qa, IReadOnlyList<double> s)
    {
        double[,] core = Core(qb, qa, s);
        double sum = 0;
        foreach (double c in core) sum += c * c;
        return Math.Sqrt(sum);
    }

    /// <summary>SVD of Lᵀ·core·R where the rows of left and right are orthonormal.</summary>
    public static FactoredSvd FromCore(IReadOnlyList<double[]> left, double[,] core, IReadOnlyList<double[]> right)
    {
        int p = core.GetLength(0), q = core.GetLength(1);
        if (p == 0 || q == 0) return new FactoredSvd(Array.Empty<double[]>(), Array.Empty<double>(), Array.Empty<double[]>());
        var svd = Matrix<double>.Build.DenseOfArray(core).Svd(true);
        var sv = svd.S;
        var uk = svd.U;
        var vt = svd.VT;
        int t = 0;
        while (t < sv.Count && sv[t] > 0) t++;
        var u = new double[t][];
        var v = new double[t][];
        var sigma = new double[t];
        for (int j = 0; j < t; j++)
        {
            sigma[j] = sv[j];
            u[j] = Combine(left, i => uk[i, j]);
            v[j] = Combine(right, i => vt[j, i]);
        }

        return new FactoredSvd(u, sigma, v);
    }

    private static double[,] Core(OrthonormalRows qb, OrthonormalRows qa, IReadOnlyList<double> s)
    {
        int n = s.Count, p = qb.Basis.Count, q = qa.Basis.Count;
        var core = new double[p, q];
        for (int k = 0; k < n; k++)
        {
            if (s[k] == 0) continue;
            for (int i = 0; i < p; i++)
            {
                double bi = s[k] * qb.Coefficients[k, i];
                if (bi == 0) continue;
                for (int j = 0; j < q; j++) core[i, j] += bi * qa.Coefficients[k, j];
            }
        }

        return core;
    }

    private static double[] Combine(IReadOnlyList<double[]> rows, Func<int, double> weight)
    {
        var result = new double[rows.Count == 0 ? 0 : rows[0].Length];
        for (int i = 0; i < rows.Count; i++)
        {
            double w = weight(i);
            if (w == 0) continue;
            VectorKernels.Axpy(w, rows[i], result);
        }

        return result;
    }
}
