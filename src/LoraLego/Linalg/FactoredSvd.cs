using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Linalg;

/// <summary>
/// Thin SVD of X = Σ_k s_k b_k a_kᵀ computed from the factors, never forming the d_out × d_in
/// matrix: with B = [b_k] = Q_B R_B and A = [a_k] = Q_A R_A (Householder, float64),
/// X = Q_B (R_B diag(s) R_Aᵀ) Q_Aᵀ, and the small core's SVD U_c Σ V_cᵀ gives
/// X = (Q_B U_c) Σ (Q_A V_c)ᵀ. Cost O((d_in + d_out) n²) for n terms. The one implementation of
/// this piece of math: the Svd, KnOTS and task-vector methods, the measurer and the 2025 methods use it.
/// </summary>
public sealed class FactoredSvd
{
    /// <summary>
    /// Singular values at or below this fraction of the largest are rounding noise of the float64
    /// QRs (a duplicated or zero term leaves ~1e-16), not directions of X: they are dropped.
    /// </summary>
    public const double RelativeSigmaFloor = 1e-12;

    private FactoredSvd(double[][] u, double[] sigma, double[][] v, int outFeatures, int inFeatures)
    {
        U = u;
        Sigma = sigma;
        V = v;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
    }

    /// <summary>Left singular vectors u_j (length <see cref="OutFeatures"/>), matching <see cref="Sigma"/>.</summary>
    public double[][] U { get; }

    /// <summary>Singular values, descending, all above <see cref="RelativeSigmaFloor"/> of the largest.</summary>
    public double[] Sigma { get; }

    /// <summary>Right singular vectors v_j (length <see cref="InFeatures"/>). Each pair's sign is fixed: the largest-|.| entry of v_j is positive.</summary>
    public double[][] V { get; }

    /// <summary>Number of kept triplets.</summary>
    public int Rank => Sigma.Length;

    public int OutFeatures { get; }

    public int InFeatures { get; }

    /// <summary>An SVD with no triplets (the zero matrix).</summary>
    public static FactoredSvd Empty(int outFeatures, int inFeatures) => new(Array.Empty<double[]>(), Array.Empty<double>(), Array.Empty<double[]>(), outFeatures, inFeatures);

    /// <summary>The best rank-<paramref name="rank"/> part (Eckart–Young).</summary>
    public FactoredSvd Truncated(int rank)
    {
        if (rank < 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "Rank must not be negative.");
        if (Rank <= rank) return this;
        return new FactoredSvd(Take(U, rank), Take(Sigma, rank), Take(V, rank), OutFeatures, InFeatures);
    }

    /// <summary>The same singular vectors with every singular value replaced by their mean: the isotropic spectrum of Iso-C.</summary>
    public FactoredSvd Isotropic()
    {
        if (Rank == 0) return this;
        double mean = 0;
        foreach (double s in Sigma) mean += s;
        mean /= Rank;
        var sigma = new double[Rank];
        for (int j = 0; j < Rank; j++) sigma[j] = mean;
        return new FactoredSvd(U, sigma, V, OutFeatures, InFeatures);
    }

    /// <summary>
    /// Top-<paramref name="rank"/> SVD of Σ_k scale[k] b_k a_kᵀ for unit-major float rows (the UnitBlock layout):
    /// <paramref name="a"/> is n × inFeatures, <paramref name="bt"/> is n × outFeatures.
    /// </summary>
    public static FactoredSvd Compute(float[] a, float[] bt, IReadOnlyList<double> scale, int inFeatures, int outFeatures, int rank = int.MaxValue)
    {
        if (a is null) throw new ArgumentNullException(nameof(a));
        if (bt is null) throw new ArgumentNullException(nameof(bt));
        if (scale is null) throw new ArgumentNullException(nameof(scale));
        int n = scale.Count;
        if (a.Length != (long)n * inFeatures || bt.Length != (long)n * outFeatures)
            throw new ArgumentException($"Factors hold {a.Length} and {bt.Length} values, expected {n}×{inFeatures} and {n}×{outFeatures}.", nameof(a));

        // The two QRs are independent and each is deterministic on its own, so they run side by side.
        HouseholderQr qrB = null!, qrA = null!;
        Parallel.Invoke(
            () => qrB = HouseholderQr.FromFloatColumns(bt, outFeatures, n),
            () => qrA = HouseholderQr.FromFloatColumns(a, inFeatures, n));
        return FromQr(qrB, qrA, scale, rank);
    }

    /// <summary>Top-<paramref name="rank"/> SVD of Σ_k scale[k] b[k] a[k]ᵀ for float64 vectors of lengths outFeatures and inFeatures.</summary>
    public static FactoredSvd Compute(IReadOnlyList<double[]> b, IReadOnlyList<double[]> a, IReadOnlyList<double> scale, int inFeatures, int outFeatures, int rank = int.MaxValue)
    {
        if (b is null) throw new ArgumentNullException(nameof(b));
        if (a is null) throw new ArgumentNullException(nameof(a));
        if (scale is null) throw new ArgumentNullException(nameof(scale));
        if (b.Count != scale.Count || a.Count != scale.Count) throw new ArgumentException($"{b.Count} b's, {a.Count} a's and {scale.Count} scales.", nameof(scale));
        HouseholderQr qrB = null!, qrA = null!;
        Parallel.Invoke(
            () => qrB = HouseholderQr.FromVectors(b, outFeatures),
            () => qrA = HouseholderQr.FromVectors(a, inFeatures));
        return FromQr(qrB, qrA, scale, rank);
    }

    /// <summary>
    /// Top-<paramref name="rank"/> SVD of Σ_k scale[k] b_k a_kᵀ where <paramref name="qrB"/> and <paramref name="qrA"/>
    /// factor the matrices whose columns are the b_k and the a_k. One pair of QRs of a stack serves any signed sub-sum
    /// of it: terms with scale 0 drop out.
    /// </summary>
    public static FactoredSvd FromQr(HouseholderQr qrB, HouseholderQr qrA, IReadOnlyList<double> scale, int rank = int.MaxValue)
    {
        if (qrB is null) throw new ArgumentNullException(nameof(qrB));
        if (qrA is null) throw new ArgumentNullException(nameof(qrA));
        if (rank < 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "Rank must not be negative.");
        int pb = qrB.Reflectors, pa = qrA.Reflectors;
        if (pb == 0 || pa == 0 || rank == 0) return Empty(qrB.Rows, qrA.Rows);
        double[] core = Core(qrB, qrA, scale);
        var svd = Matrix<double>.Build.DenseOfColumnMajor(pb, pa, core).Svd(computeVectors: true);
        int k = 0;
        double floor = RelativeSigmaFloor * svd.S[0];
        while (k < svd.S.Count && k < rank && svd.S[k] > floor) k++;

        // Lift the kept core vectors by the thin Qs: u_j = Q_B U_c[:, j], v_j = Q_A V_c[:, j].
        var xb = new double[(long)pb * k];
        var xa = new double[(long)pa * k];
        for (int c = 0; c < k; c++)
        {
            for (int i = 0; i < pb; i++) xb[((long)c * pb) + i] = svd.U[i, c];
            for (int i = 0; i < pa; i++) xa[((long)c * pa) + i] = svd.VT[c, i];
        }

        double[] ub = null!, va = null!;
        Parallel.Invoke(() => ub = qrB.MultiplyQ(xb, k), () => va = qrA.MultiplyQ(xa, k));
        int dout = qrB.Rows, din = qrA.Rows;
        var u = new double[k][];
        var v = new double[k][];
        var sigma = new double[k];
        for (int c = 0; c < k; c++)
        {
            sigma[c] = svd.S[c];
            v[c] = new double[din];
            u[c] = new double[dout];
            Array.Copy(va, (long)c * din, v[c], 0, din);
            Array.Copy(ub, (long)c * dout, u[c], 0, dout);

            // A singular pair is defined up to a joint sign; fixing it makes the output independent of the core SVD's choice.
            if (v[c][ArgMaxAbs(v[c])] < 0)
            {
                VectorKernels.Scale(-1, v[c]);
                VectorKernels.Scale(-1, u[c]);
            }
        }

        return new FactoredSvd(u, sigma, v, dout, din);
    }

    /// <summary>‖Σ_k scale[k] b_k a_kᵀ‖_F without squaring cancellations: the norm of the QR core. Scale-0 terms drop out (see <see cref="FromQr"/>).</summary>
    public static double FrobeniusNorm(HouseholderQr qrB, HouseholderQr qrA, IReadOnlyList<double> scale)
    {
        if (qrB.Reflectors == 0 || qrA.Reflectors == 0) return 0;
        double[] core = Core(qrB, qrA, scale);
        return Math.Sqrt(VectorKernels.Dot(core, core));
    }

    /// <summary>Core C = R_B diag(s) R_Aᵀ (pb × pa), column-major.</summary>
    private static double[] Core(HouseholderQr qrB, HouseholderQr qrA, IReadOnlyList<double> scale)
    {
        int n = scale.Count;
        if (qrB.Columns != n || qrA.Columns != n) throw new ArgumentException($"{n} scales for QRs of {qrB.Columns} and {qrA.Columns} columns.", nameof(scale));
        int pb = qrB.Reflectors, pa = qrA.Reflectors;
        double[] rb = qrB.R(), ra = qrA.R();
        var core = new double[(long)pb * pa];
        for (int l = 0; l < n; l++)
        {
            double s = scale[l];
            if (s == 0) continue;
            var bl = new ReadOnlySpan<double>(rb, l * pb, pb);
            for (int j = 0; j < pa; j++)
            {
                double raj = ra[((long)l * pa) + j] * s;
                if (raj != 0) VectorKernels.Axpy(raj, bl, new Span<double>(core, j * pb, pb));
            }
        }

        return core;
    }

    private static int ArgMaxAbs(double[] x)
    {
        int best = 0;
        for (int i = 1; i < x.Length; i++)
        {
            if (Math.Abs(x[i]) > Math.Abs(x[best])) best = i;
        }

        return best;
    }

    private static T[] Take<T>(T[] source, int count)
    {
        var result = new T[count];
        Array.Copy(source, result, count);
        return result;
    }
}
