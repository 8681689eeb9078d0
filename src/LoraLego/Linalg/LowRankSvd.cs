using System;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Linalg;

/// <summary>
/// Truncated SVD of ΔW = Σ_i s_i b_i a_iᵀ computed from the factors, never forming the
/// d_out × d_in matrix: with B = [b_i] = Q_B R_B and A = [a_i] = Q_A R_A (Householder),
/// ΔW = Q_B (R_B diag(s) R_Aᵀ) Q_Aᵀ, and the small core's SVD U Σ Vᵀ gives
/// ΔW = (Q_B U) Σ (Q_A V)ᵀ. Cost O((d_in + d_out) n²) for n units.
/// </summary>
public sealed class LowRankSvd
{
    private LowRankSvd(double[] singularValues, int rank, int outFeatures, int inFeatures, float[] bt, float[] a)
    {
        SingularValues = singularValues;
        Rank = rank;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        BT = bt;
        A = a;
    }

    /// <summary>All singular values of ΔW that the factors can carry (min of the QR ranks), descending.</summary>
    public double[] SingularValues { get; }

    /// <summary>Number of kept triplets.</summary>
    public int Rank { get; }

    public int OutFeatures { get; }

    public int InFeatures { get; }

    /// <summary>Rank × OutFeatures: row j is √σ_j u_j.</summary>
    public float[] BT { get; }

    /// <summary>Rank × InFeatures: row j is √σ_j v_j.</summary>
    public float[] A { get; }

    /// <summary>
    /// Top-<paramref name="rank"/> SVD of Σ_i scale[i] b_i a_iᵀ for unit-major rows <paramref name="a"/> (n × inFeatures)
    /// and <paramref name="bt"/> (n × outFeatures). Keeps min(rank, available) triplets. Each kept unit's sign is
    /// fixed so the largest-|.| entry of its a is positive, which makes the output independent of the core SVD's signs.
    /// </summary>
    public static LowRankSvd Compute(float[] a, float[] bt, double[] scale, int inFeatures, int outFeatures, int rank)
    {
        if (rank < 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "Rank must not be negative.");
        int n = scale.Length;
        // The two QRs are independent; each is deterministic on its own, so running them side by side is safe.
        HouseholderQr qrB = null!, qrA = null!;
        System.Threading.Tasks.Parallel.Invoke(
            () => qrB = HouseholderQr.FromFloatColumns(bt, outFeatures, n),
            () => qrA = HouseholderQr.FromFloatColumns(a, inFeatures, n));
        int pb = qrB.Reflectors, pa = qrA.Reflectors;
        double[] rb = qrB.R(), ra = qrA.R();

        // Core C = R_B diag(s) R_Aᵀ (pb × pa), column-major for MathNet.
        var core = new double[(long)pb * pa];
        for (int l = 0; l < n; l++)
        {
            double s = scale[l];
            for (int j = 0; j < pa; j++)
            {
                double raj = ra[((long)l * pa) + j] * s;
                if (raj == 0) continue;
                for (int i = 0; i < pb; i++) core[((long)j * pb) + i] += rb[((long)l * pb) + i] * raj;
            }
        }

        int available = Math.Min(pb, pa);
        if (available == 0) return new LowRankSvd(Array.Empty<double>(), 0, outFeatures, inFeatures, Array.Empty<float>(), Array.Empty<float>());

        var svd = Matrix<double>.Build.DenseOfColumnMajor(pb, pa, core).Svd(computeVectors: true);
        var sigma = svd.S.ToArray();
        int k = Math.Min(rank, available);

        // X_B = U_k √Σ (pb × k), X_A = V_k √Σ (pa × k), then lift by the thin Qs.
        var xb = new double[(long)pb * k];
        var xa = new double[(long)pa * k];
        for (int c = 0; c < k; c++)
        {
            double root = Math.Sqrt(Math.Max(sigma[c], 0));
            for (int i = 0; i < pb; i++) xb[((long)c * pb) + i] = svd.U[i, c] * root;
            for (int i = 0; i < pa; i++) xa[((long)c * pa) + i] = svd.VT[c, i] * root;
        }

        double[] ub = qrB.MultiplyQ(xb, k), va = qrA.MultiplyQ(xa, k);
        var outBt = new float[(long)k * outFeatures];
        var outA = new float[(long)k * inFeatures];
        for (int c = 0; c < k; c++)
        {
            var colA = new ReadOnlySpan<double>(va, c * inFeatures, inFeatures);
            double sign = SignOfLargest(colA);
            for (int i = 0; i < inFeatures; i++) outA[((long)c * inFeatures) + i] = (float)(colA[i] * sign);
            for (int i = 0; i < outFeatures; i++) outBt[((long)c * outFeatures) + i] = (float)(ub[((long)c * outFeatures) + i] * sign);
        }

        return new LowRankSvd(sigma, k, outFeatures, inFeatures, outBt, outA);
    }

    private static double SignOfLargest(ReadOnlySpan<double> x)
    {
        double best = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (Math.Abs(x[i]) > Math.Abs(best)) best = x[i];
        }

        return best < 0 ? -1 : 1;
    }
}
