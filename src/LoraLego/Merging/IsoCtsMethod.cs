using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Linalg;
using LoraLego.Merging.Dense;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// Iso-CTS (Marczak et al., ICML 2025): Iso-C with task-specific directions. Of the output rank K
/// (<see cref="MergeOptions.Rank"/>, by default the rank of the sum), a common part — the top
/// ⌊c·K⌋ directions of the sum Σ_i ΔW_i, c = <see cref="MergeOptions.CommonSpaceFraction"/> (0.8 as in the
/// reference code) — is kept, and the rest is split evenly among the T sources (the reference code's
/// rounding: the task-specific total is a multiple of T); each source adds the top singular
/// triplets of its own delta with the common column space projected out, (I − U_c U_cᵀ) ΔW_i. The
/// gathered U's and V's are decorrelated by their polar factors and every direction gets the mean of
/// the gathered singular values. All from the factors: the projection acts on the sources' b vectors.
/// </summary>
public sealed class IsoCtsMethod : IMergeMethod
{
    public const string MethodName = "IsoCts";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        ModuleInputChecks.Validate(input);
        if (options is null) throw new ArgumentNullException(nameof(options));
        ModuleInputChecks.Fraction(input, nameof(MergeOptions.CommonSpaceFraction), options.CommonSpaceFraction, allowZero: true);
        int din = input.InFeatures, dout = input.OutFeatures, tasks = input.Sources.Count;
        var pool = UnitBlockOps.Concatenate(input.Sources);
        var sum = FactoredSvd.Compute(pool.A, pool.BT, pool.Scale, din, dout);
        int rank = ModuleInputChecks.RankOrDefault(input, options, Math.Max(1, sum.Rank));
        if (sum.Rank == 0) return UnitBlockOps.FromSvd(sum);
        if (tasks == 1) return UnitBlockOps.FromSvd(sum.Truncated(Math.Min(rank, sum.Rank))); // one source: nothing to balance (as IsoC)

        var (common, perTask) = Split(rank, options.CommonSpaceFraction, tasks);
        var commonSpace = sum.Truncated(Math.Min(common, sum.Rank));
        var triplets = new SingularTriplets();
        if (perTask > 0)
        {
            // Residual directions weaker than the rounding of the sum's own QRs are not directions.
            double floor = FactoredSvd.RelativeSigmaFloor * sum.Sigma[0];
            foreach (var source in input.Sources)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var residual = Residual(source, commonSpace.U, perTask);
                triplets.Add(residual.Truncated(residual.Sigma.Count(s => s > floor)));
            }
        }

        triplets.Add(commonSpace);
        double mean = triplets.Sigma.Average();
        cancellationToken.ThrowIfCancellationRequested();
        var iso = triplets.Decorrelated(Enumerable.Repeat(mean, triplets.Count).ToArray(), din, dout, rank);
        return UnitBlockOps.FromSvd(iso);
    }

    /// <summary>
    /// The reference code's split of K directions: common = ⌊c·K⌋, then the task-specific total is rounded
    /// (half to even) to a multiple of T and the common part takes what is left.
    /// </summary>
    internal static (int Common, int PerTask) Split(int rank, double commonFraction, int tasks)
    {
        int common = (int)Math.Floor((rank * commonFraction) + 1e-9);
        int specific = (int)Math.Round((rank - common) / (double)tasks, MidpointRounding.ToEven) * tasks;
        if (specific > rank) specific -= tasks;
        return (rank - specific, specific / tasks);
    }

    /// <summary>Top <paramref name="count"/> triplets of (I − U_c U_cᵀ) ΔW_i: each b_k loses its components along the common u's.</summary>
    private static FactoredSvd Residual(UnitBlock source, double[][] commonU, int count)
    {
        var b = new List<double[]>(source.Count);
        var a = new List<double[]>(source.Count);
        for (int k = 0; k < source.Count; k++)
        {
            double[] bk = UnitFactors.B(source, k);
            foreach (double[] u in commonU) VectorKernels.Axpy(-VectorKernels.Dot(u, bk), u, bk);
            b.Add(bk);
            a.Add(UnitFactors.A(source, k));
        }

        return FactoredSvd.Compute(b, a, source.Scale, source.InFeatures, source.OutFeatures, count);
    }
}
