using System;
using System.Threading;
using LoraLego.Diagnostics;
using LoraLego.Merging.Dense;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// PEFT's "linear" combination, factor-wise: A = Σ_i √(w_i s_i) A_i and B = Σ_i √(w_i s_i) B_i,
/// output scale 1. Offered for parity with PEFT only.
/// Known flaw: BA = Σ_i w_i s_i B_i A_i + Σ_{i≠j} √(w_i s_i w_j s_j) B_i A_j — the cross terms
/// B_i A_j pair unit k of one adapter with unit k of another, which have nothing to do with each
/// other (unit order within a LoRA is arbitrary), so the result is not the weighted sum of the
/// deltas and even changes when one source's units are permuted. Use concat or svd for the sum.
/// All sources must have the same rank (unit k is combined with unit k).
/// A negative w_i s_i (negative user weight) puts the sign on the A side so that the diagonal
/// term is still w_i s_i B_i A_i; PEFT would fail on the square root.
/// </summary>
public sealed class LinearMethod : IMergeMethod
{
    public string Name => "linear";

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        MergeInputChecks.Sources(input);
        int rank = input.Sources[0].Count;
        for (int i = 1; i < input.Sources.Count; i++)
        {
            if (input.Sources[i].Count != rank)
            {
                throw new LoraLegoException(
                    "LinearMergeRankMismatch",
                    LoraErrorCategory.InvalidArgument,
                    input.Module,
                    $"Module '{input.Module}': the linear method needs sources of equal rank, but source 0 has rank {rank} and source {i} has rank {input.Sources[i].Count}. Use concat, svd or lego for mixed ranks.");
            }
        }

        int din = input.InFeatures, dout = input.OutFeatures;
        var a = new double[rank * din];
        var bt = new double[rank * dout];
        foreach (var source in input.Sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int k = 0; k < rank; k++)
            {
                double s = source.Scale[k];
                double root = Math.Sqrt(Math.Abs(s));
                double signedRoot = s < 0 ? -root : root;
                var ak = source.UnitA(k);
                var bk = source.UnitB(k);
                for (int i = 0; i < din; i++) a[(k * din) + i] += signedRoot * ak[i];
                for (int i = 0; i < dout; i++) bt[(k * dout) + i] += root * bk[i];
            }
        }

        var scale = new double[rank];
        for (int k = 0; k < rank; k++) scale[k] = 1.0;
        return new UnitBlock(din, dout, ToFloat(a), ToFloat(bt), scale);
    }

    private static float[] ToFloat(double[] v)
    {
        var f = new float[v.Length];
        for (int i = 0; i < v.Length; i++) f[i] = (float)v[i];
        return f;
    }
}
