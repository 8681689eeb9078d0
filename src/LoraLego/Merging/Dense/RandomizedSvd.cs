using System;
using System.Linq;
using System.Threading;
using LoraLego.Clustering;
using LoraLego.Linalg;

namespace LoraLego.Merging.Dense;

/// <summary>
/// Truncated SVD of a dense row-major float matrix by randomised range finding (Halko, Martinsson
/// and Tropp 2011): Gaussian sketch Y = MΩ with oversampling, power iterations with
/// re-orthonormalisation after every product (keeps the small singular directions from drowning in
/// rounding), then the SVD of the small projected matrix QᵀM. Cost O(d_out·d_in·(k+p)) per pass
/// instead of the O(d_out·d_in·min(d_out,d_in)) of a full SVD. Exact when rank(M) ≤ k + p.
/// </summary>
internal static class RandomizedSvd
{
    public const int DefaultOversampling = 10;
    public const int DefaultPowerIterations = 2;

    /// <returns>At most <paramref name="rank"/> singular triplets, descending.</returns>
    public static FactoredSvd Compute(float[] m, int rows, int cols, int rank, ulong seed, int oversampling = DefaultOversampling, int powerIterations = DefaultPowerIterations, CancellationToken cancellationToken = default)
    {
        if ((long)rows * cols != m.Length) throw new ArgumentException("Matrix size does not match its shape.", nameof(m));
        int sketch = Math.Min(rank + oversampling, Math.Min(rows, cols));
        if (sketch <= 0) return FactoredSvd.Empty(rows, cols);

        var rng = new SplitMix64(seed);
        var omega = new float[sketch][];
        for (int j = 0; j < sketch; j++)
        {
            omega[j] = new float[cols];
            for (int i = 0; i < cols; i++) omega[j][i] = (float)rng.NextGaussian();
        }

        var q = Orthonormal(DenseProducts.TimesVectors(m, rows, cols, omega));
        for (int it = 0; it < powerIterations && q.Length > 0; it++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var p = Orthonormal(DenseProducts.TransposeTimesVectors(m, rows, cols, q));
            q = Orthonormal(DenseProducts.TimesVectors(m, rows, cols, DenseProducts.ToFloat(p)));
        }

        cancellationToken.ThrowIfCancellationRequested();

        // M ≈ Σ_j q_j (Mᵀq_j)ᵀ: a factored matrix of q.Length terms, whose exact SVD is cheap.
        var projected = DenseProducts.TransposeTimesVectors(m, rows, cols, q);
        return FactoredSvd.Compute(q, projected, Enumerable.Repeat(1.0, q.Length).ToArray(), cols, rows, rank);
    }

    private static double[][] Orthonormal(double[][] vectors) =>
        vectors.Length == 0 ? vectors : HouseholderQr.FromVectors(vectors, vectors[0].Length).ThinQ();
}
