using System;
using System.Collections.Generic;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Linalg;

/// <summary>
/// The orthonormal polar factor of a tall matrix M = [m_1 … m_K] (columns of length d): with
/// M = P Σ Wᵀ its thin SVD, polar(M) = P Wᵀ, the orthonormal matrix closest to M in Frobenius
/// norm. It decorrelates a set of singular vectors while moving each as little as possible (TSV-M,
/// Iso-CTS). Computed from the Householder QR M = Q R and the SVD of the small K × K factor R:
/// polar(M) = Q · polar(R). Cost O(d K²).
/// </summary>
public static class PolarFactor
{
    /// <returns>The K columns of polar(M), each of length <paramref name="length"/>.</returns>
    public static double[][] Of(IReadOnlyList<double[]> columns, int length)
    {
        if (columns is null) throw new ArgumentNullException(nameof(columns));
        int k = columns.Count;
        if (k == 0) return Array.Empty<double[]>();
        var qr = HouseholderQr.FromVectors(columns, length);
        int p = qr.Reflectors;
        var svd = Matrix<double>.Build.DenseOfColumnMajor(p, k, qr.R()).Svd(computeVectors: true);

        // polar(R) = U_R[:, :m] · V_Rᵀ[:m, :], m = min(p, K); p × K, column-major for MultiplyQ.
        int m = Math.Min(p, k);
        var polarR = new double[(long)p * k];
        for (int c = 0; c < k; c++)
        {
            for (int i = 0; i < p; i++)
            {
                double s = 0;
                for (int j = 0; j < m; j++) s += svd.U[i, j] * svd.VT[j, c];
                polarR[((long)c * p) + i] = s;
            }
        }

        double[] lifted = qr.MultiplyQ(polarR, k);
        var result = new double[k][];
        for (int c = 0; c < k; c++)
        {
            result[c] = new double[length];
            Array.Copy(lifted, (long)c * length, result[c], 0, length);
        }

        return result;
    }
}
