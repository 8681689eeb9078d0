using System;
using System.Collections.Generic;
using System.Threading;
using LoraLego.Linalg;
using LoraLego.Merging.Dense;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Merging;

/// <summary>
/// KnOTS (Stoica et al. 2024, "Model merging with SVD to tie the KnOTS"): take the SVD of the
/// concatenation [ΔW_1 | … | ΔW_n] = U Σ [V_1ᵀ | … | V_nᵀ], so that every source is
/// ΔW_i = U Σ V_iᵀ in one shared basis; merge the V_i (TA or TIES, <see cref="MergeOptions.KnotsMerge"/>);
/// rebuild U Σ V_mergedᵀ and reduce it to Rank (default: the largest source rank).
/// The SVD comes from the factors: with B = [B_1 … B_n] (scales folded in) = Q_B C_Bᵀ and each
/// A_i = C_i Q_i (thin QRs), the concatenation is Q_Bᵀ·[C_Bᵀ|_i C_i]_i·blockdiag(Q_i), so only
/// the small core [C_Bᵀ|_1 C_1 | … ] (R × Σ r_i) needs an SVD; V_i = Q_iᵀ·(rows of Ṽ for source i).
/// </summary>
public sealed class KnotsMethod : IMergeMethod
{
    public string Name => "KnOTS";

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        MergeInputChecks.Sources(input);
        int rank = MergeInputChecks.Rank(input, options);
        if (options.KnotsMerge == KnotsMerge.Ties) MergeInputChecks.Density(input, options);

        var basis = SharedBasis.Compute(input.Sources);
        cancellationToken.ThrowIfCancellationRequested();
        var recipe = options.KnotsMerge == KnotsMerge.Ties
            ? new TaskVectorRecipe(TrimKind.Magnitude, true, options.Density, options.SignElection)
            : new TaskVectorRecipe(TrimKind.None, false, 1.0, options.SignElection);
        float[] merged = TaskVectorMerger.Merge(basis, recipe, options.Seed, input.Module, cancellationToken);

        int t = basis.Sigma.Length, din = input.InFeatures;
        var vMerged = new double[t][];
        for (int j = 0; j < t; j++)
        {
            vMerged[j] = new double[din];
            for (int i = 0; i < din; i++) vMerged[j][i] = merged[(j * din) + i];
        }

        var rebuilt = FactoredSvd.Compute(basis.U, vMerged, basis.Sigma, input.InFeatures, input.OutFeatures, rank);
        return UnitBlockOps.FromSvd(rebuilt, rank);
    }

    /// <summary>U, Σ and the per-source V_iᵀ (t rows of length d_in, flattened) of the concatenation.</summary>
    internal sealed class SharedBasis : ITaskVectors
    {
        private readonly float[][] _vt;

        private SharedBasis(double[][] u, double[] sigma, float[][] vt, int length)
        {
            U = u;
            Sigma = sigma;
            _vt = vt;
            Length = length;
        }

        public double[][] U { get; }

        public double[] Sigma { get; }

        public int Count => _vt.Length;

        public int Length { get; }

        public void Fill(int task, float[] buffer) => Array.Copy(_vt[task], buffer, Length);

        public static SharedBasis Compute(IReadOnlyList<UnitBlock> sources)
        {
            var scaledB = new List<double[]>();
            foreach (var s in sources)
            {
                for (int k = 0; k < s.Count; k++)
                {
                    double[] b = UnitFactors.B(s, k);
                    for (int i = 0; i < b.Length; i++) b[i] *= s.Scale[k];
                    scaledB.Add(b);
                }
            }

            int din = sources[0].InFeatures;
            int dout = sources[0].OutFeatures;

            // B = Q_B R_B and A_iᵀ = Q_i R_i: unit k of the stack is Σ_r R_B[r, k] q_r.
            var qrB = HouseholderQr.FromVectors(scaledB, dout);
            double[][] qb = qrB.ThinQ();
            double[] rb = qrB.R();
            int p = qb.Length;
            var qa = new double[sources.Count][][];
            var ra = new double[sources.Count][];
            var pa = new int[sources.Count];
            var offsets = new int[sources.Count + 1];
            for (int i = 0; i < sources.Count; i++)
            {
                var qr = HouseholderQr.FromFloatColumns(sources[i].A, din, sources[i].Count);
                qa[i] = qr.ThinQ();
                ra[i] = qr.R();
                pa[i] = qr.Reflectors;
                offsets[i + 1] = offsets[i] + pa[i];
            }

            // Core column block i = C_Bᵀ restricted to source i's units, times C_i.
            var core = new double[p, offsets[sources.Count]];
            int unit = 0;
            for (int i = 0; i < sources.Count; i++)
            {
                for (int k = 0; k < sources[i].Count; k++, unit++)
                {
                    for (int r = 0; r < p; r++)
                    {
                        double c = rb[(unit * p) + r];
                        if (c == 0) continue;
                        for (int j = 0; j < pa[i]; j++) core[r, offsets[i] + j] += c * ra[i][(k * pa[i]) + j];
                    }
                }
            }

            if (p == 0 || offsets[sources.Count] == 0)
            {
                var empty = new float[sources.Count][];
                for (int i = 0; i < empty.Length; i++) empty[i] = Array.Empty<float>();
                return new SharedBasis(Array.Empty<double[]>(), Array.Empty<double>(), empty, 0);
            }

            var svd = Matrix<double>.Build.DenseOfArray(core).Svd(true);
            int t = 0;
            while (t < svd.S.Count && svd.S[t] > FactoredSvd.RelativeSigmaFloor * svd.S[0]) t++;

            var u = new double[t][];
            var sigma = new double[t];
            var flip = new double[t];
            for (int j = 0; j < t; j++)
            {
                sigma[j] = svd.S[j];
                u[j] = new double[dout];
                for (int r = 0; r < p; r++)
                {
                    double w = svd.U[r, j];
                    double[] q = qb[r];
                    for (int x = 0; x < dout; x++) u[j][x] += w * q[x];
                }

                // Singular pairs are defined up to a joint sign; Frequency sign election is not
                // equivariant to that sign where the vote is tied, so fix it: the largest-magnitude
                // entry of u_j (first one on ties) is positive.
                flip[j] = u[j][ArgMaxAbs(u[j])] < 0 ? -1 : 1;
                for (int x = 0; x < dout; x++) u[j][x] *= flip[j];
            }

            var vt = new float[sources.Count][];
            for (int i = 0; i < sources.Count; i++)
            {
                var block = new double[t * din];
                for (int j = 0; j < t; j++)
                {
                    for (int q = 0; q < pa[i]; q++)
                    {
                        double w = flip[j] * svd.VT[j, offsets[i] + q];
                        VectorKernels.Axpy(w, qa[i][q], new Span<double>(block, j * din, din));
                    }
                }

                vt[i] = new float[block.Length];
                for (int x = 0; x < block.Length; x++) vt[i][x] = (float)block[x];
            }

            return new SharedBasis(u, sigma, vt, t * din);
        }

        private static int ArgMaxAbs(double[] v)
        {
            int best = 0;
            for (int i = 1; i < v.Length; i++)
            {
                if (Math.Abs(v[i]) > Math.Abs(v[best])) best = i;
            }

            return best;
        }
    }
}
