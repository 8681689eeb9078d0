using System;
using System.Collections.Generic;
using LoraLego.Linalg;

namespace LoraLego.Units;

/// <summary>
/// Operations on units that leave each unit's rank-1 term Scale·b aᵀ unchanged (up to float rounding),
/// plus concatenation. Each returns a new block; inputs are never modified.
/// </summary>
public static class UnitBlockOps
{
    /// <summary>
    /// Moves each unit's scale into its vectors: a·√|s| and b·√|s|·sign(s), scale 1. Needed before
    /// pooling units of adapters with different scales, since a merged adapter has one scale.
    /// </summary>
    public static UnitBlock FoldScales(UnitBlock block) => FoldScales(block, inPlace: false);

    /// <summary>
    /// <paramref name="inPlace"/>: rescale the block's own arrays (for a block the caller just made,
    /// such as a concatenation) instead of copying them; the returned block shares them.
    /// </summary>
    internal static UnitBlock FoldScales(UnitBlock block, bool inPlace)
    {
        if (block is null) throw new ArgumentNullException(nameof(block));
        int n = block.Count, din = block.InFeatures, dout = block.OutFeatures;
        var a = inPlace ? block.A : (float[])block.A.Clone();
        var bt = inPlace ? block.BT : (float[])block.BT.Clone();
        var scale = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = block.Scale[i];
            double root = Math.Sqrt(Math.Abs(s));
            ScaleRow(a, i * din, din, root);
            ScaleRow(bt, i * dout, dout, s < 0 ? -root : root);
            scale[i] = 1.0;
        }

        return new UnitBlock(din, dout, a, bt, scale);
    }

    /// <summary>
    /// Picks one representative of each unit's symmetry class (b, a) ~ (c·b, a/c): balances ‖a‖ = ‖b‖,
    /// then flips both signs so the largest-|.| entry of a (first one on ties) is positive. Scales are kept.
    /// Units with a zero half are left as they are (their term is zero).
    /// </summary>
    public static UnitBlock Canonicalize(UnitBlock block)
    {
        if (block is null) throw new ArgumentNullException(nameof(block));
        int n = block.Count, din = block.InFeatures, dout = block.OutFeatures;
        var a = (float[])block.A.Clone();
        var bt = (float[])block.BT.Clone();
        for (int i = 0; i < n; i++)
        {
            double na = Math.Sqrt(VectorKernels.SumOfSquares(block.UnitA(i)));
            double nb = Math.Sqrt(VectorKernels.SumOfSquares(block.UnitB(i)));
            if (na == 0 || nb == 0) continue;
            double c = Math.Sqrt(na / nb);
            int peak = VectorKernels.ArgMaxAbs(block.UnitA(i));
            double sign = block.UnitA(i)[peak] < 0 ? -1.0 : 1.0;
            ScaleRow(a, i * din, din, sign / c);
            ScaleRow(bt, i * dout, dout, sign * c);
        }

        return new UnitBlock(din, dout, a, bt, (double[])block.Scale.Clone());
    }

    /// <summary>
    /// Units of scale 1 from singular triplets, √σ on each side so b and a carry equal norms;
    /// padded with zero units up to <paramref name="padTo"/> when given, so every module of a merge
    /// can have the same rank (one r in the adapter config).
    /// </summary>
    public static UnitBlock FromSvd(FactoredSvd svd, int padTo = 0)
    {
        int count = Math.Max(svd.Rank, padTo), din = svd.InFeatures, dout = svd.OutFeatures;
        var a = new float[(long)count * din];
        var bt = new float[(long)count * dout];
        var scale = new double[count];
        for (int k = 0; k < count; k++)
        {
            scale[k] = 1.0;
            if (k >= svd.Rank) continue;
            double root = Math.Sqrt(svd.Sigma[k]);
            VectorKernels.ScaleToFloat(root, svd.V[k], new Span<float>(a, k * din, din));
            VectorKernels.ScaleToFloat(root, svd.U[k], new Span<float>(bt, k * dout, dout));
        }

        return new UnitBlock(din, dout, a, bt, scale);
    }

    /// <summary>Stacks the units of several blocks of one module, in order: ΔW of the result = Σ ΔW of the parts.</summary>
    public static UnitBlock Concatenate(IReadOnlyList<UnitBlock> blocks)
    {
        int n = CountOfOneShape(blocks, out int din, out int dout);

        var a = new float[(long)n * din];
        var bt = new float[(long)n * dout];
        var scale = new double[n];
        int at = 0;
        foreach (var b in blocks)
        {
            Array.Copy(b.A, 0, a, (long)at * din, (long)b.Count * din);
            Array.Copy(b.BT, 0, bt, (long)at * dout, (long)b.Count * dout);
            Array.Copy(b.Scale, 0, scale, at, b.Count);
            at += b.Count;
        }

        return new UnitBlock(din, dout, a, bt, scale);
    }

    /// <summary>The total unit count of blocks that must share one shape (<paramref name="din"/>, <paramref name="dout"/>).</summary>
    internal static int CountOfOneShape(IReadOnlyList<UnitBlock> blocks, out int din, out int dout)
    {
        if (blocks is null) throw new ArgumentNullException(nameof(blocks));
        if (blocks.Count == 0) throw new ArgumentException("No blocks of units.", nameof(blocks));
        din = blocks[0].InFeatures;
        dout = blocks[0].OutFeatures;
        int n = 0;
        foreach (var b in blocks)
        {
            if (b.InFeatures != din || b.OutFeatures != dout)
                throw new ArgumentException($"Blocks have different shapes: {dout}×{din} and {b.OutFeatures}×{b.InFeatures}.", nameof(blocks));
            n += b.Count;
        }

        return n;
    }

    /// <summary>The units at <paramref name="indices"/>, in that order.</summary>
    public static UnitBlock Select(UnitBlock block, IReadOnlyList<int> indices)
    {
        if (block is null) throw new ArgumentNullException(nameof(block));
        int din = block.InFeatures, dout = block.OutFeatures;
        var a = new float[(long)indices.Count * din];
        var bt = new float[(long)indices.Count * dout];
        var scale = new double[indices.Count];
        for (int k = 0; k < indices.Count; k++)
        {
            int i = indices[k];
            Array.Copy(block.A, (long)i * din, a, (long)k * din, din);
            Array.Copy(block.BT, (long)i * dout, bt, (long)k * dout, dout);
            scale[k] = block.Scale[i];
        }

        return new UnitBlock(din, dout, a, bt, scale);
    }

    // (float)(x · factor) in float64, lane by lane: the same rounding as the scalar loop, 8 at a time.
    private static void ScaleRow(float[] data, int offset, int length, double factor)
    {
        var row = new Span<float>(data, offset, length);
        var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(row);
        var f = new System.Numerics.Vector<double>(factor);
        for (int v = 0; v < vectors.Length; v++)
        {
            System.Numerics.Vector.Widen(vectors[v], out var lo, out var hi);
            vectors[v] = System.Numerics.Vector.Narrow(lo * f, hi * f);
        }

        for (int j = vectors.Length * System.Numerics.Vector<float>.Count; j < length; j++) row[j] = (float)(row[j] * factor);
    }
}
