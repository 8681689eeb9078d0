using System;
using System.Collections.Generic;

namespace LoraLego.Merging.Dense;

/// <summary>
/// Thin QR of a set of vectors held as rows: rows[k] = Σ_j Coefficients[k, j] · Basis[j], with
/// orthonormal Basis. Rows that add nothing new (relative residual below the tolerance) add no
/// basis vector, so rank-deficient inputs (duplicated units, zero units) are handled.
/// Gram–Schmidt run twice per row ("twice is enough") in double keeps the basis orthonormal to
/// rounding even for ill-conditioned inputs.
/// </summary>
internal sealed class OrthonormalRows
{
    private OrthonormalRows(List<double[]> basis, double[,] coefficients)
    {
        Basis = basis;
        Coefficients = coefficients;
    }

    public IReadOnlyList<double[]> Basis { get; }

    /// <summary>rows.Count × Basis.Count.</summary>
    public double[,] Coefficients { get; }

    public static OrthonormalRows Compute(IReadOnlyList<double[]> rows, double relativeTolerance = 1e-10)
    {
        int n = rows.Count;
        var basis = new List<double[]>(n);
        var coef = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            double[] x = (double[])rows[k].Clone();
            double original = Math.Sqrt(VectorKernels.Dot(x, x));
            if (original == 0) continue;
            for (int pass = 0; pass < 2; pass++)
            {
                for (int j = 0; j < basis.Count; j++)
                {
                    double[] q = basis[j];
                    double c = VectorKernels.Dot(q, x);
                    coef[k, j] += c;
                    VectorKernels.Axpy(-c, q, x);
                }
            }

            double residual = Math.Sqrt(VectorKernels.Dot(x, x));
            if (residual <= relativeTolerance * original) continue;
            for (int i = 0; i < x.Length; i++) x[i] /= residual;
            coef[k, basis.Count] = residual;
            basis.Add(x);
        }

        var trimmed = new double[n, basis.Count];
        for (int k = 0; k < n; k++)
        {
            for (int j = 0; j < basis.Count; j++) trimmed[k, j] = coef[k, j];
        }

        return new OrthonormalRows(basis, trimmed);
    }
}
