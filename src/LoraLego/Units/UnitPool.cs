using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using LoraLego.Linalg;

namespace LoraLego.Units;

/// <summary>
/// A module's units pooled from several source blocks without copying them: unit i, folded and
/// canonicalised as <see cref="UnitBlockOps.FoldScales(UnitBlock)"/> and <see cref="UnitBlockOps.Canonicalize(UnitBlock)"/>
/// would make it, is (<see cref="FactorA"/>[i]·a_i, <see cref="FactorB"/>[i]·b_i) with scale <see cref="Scale"/>[i].
/// </summary>
/// <remarks>
/// Both operations only multiply each half of a unit by a number, so they are kept as numbers: the
/// feature Gram is the raw Gram rescaled entry by entry, and a centroid is a weighted sum of raw
/// vectors in float64. This saves three copies of the pool per module and rounds each vector once.
/// </remarks>
public sealed class UnitPool
{
    private readonly float[][] _aRows;
    private readonly int[] _aOffsets;
    private readonly float[][] _bRows;
    private readonly int[] _bOffsets;

    private UnitPool(int inFeatures, int outFeatures, int count)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        _aRows = new float[count][];
        _aOffsets = new int[count];
        _bRows = new float[count][];
        _bOffsets = new int[count];
        FactorA = new double[count];
        FactorB = new double[count];
        NormA = new double[count];
        NormB = new double[count];
        Scale = new double[count];
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public int Count => Scale.Length;

    /// <summary>Multiplier of the raw a_i in the unit as clustered and averaged.</summary>
    public double[] FactorA { get; }

    /// <summary>Multiplier of the raw b_i.</summary>
    public double[] FactorB { get; }

    /// <summary>‖a_i‖ of the raw vector, in float64.</summary>
    public double[] NormA { get; }

    /// <summary>‖b_i‖ of the raw vector, in float64.</summary>
    public double[] NormB { get; }

    /// <summary>The unit's scale after folding (1 when folded, else the source's).</summary>
    public double[] Scale { get; }

    /// <summary>Pools the blocks' units in order; <paramref name="foldScales"/> and <paramref name="canonicalize"/> as in <see cref="UnitBlockOps"/>.</summary>
    public static UnitPool Create(IReadOnlyList<UnitBlock> blocks, bool foldScales, bool canonicalize)
    {
        int n = UnitBlockOps.CountOfOneShape(blocks, out int din, out int dout);
        var pool = new UnitPool(din, dout, n);
        int i = 0;
        foreach (var block in blocks)
        {
            for (int u = 0; u < block.Count; u++, i++)
            {
                pool._aRows[i] = block.A;
                pool._aOffsets[i] = u * din;
                pool._bRows[i] = block.BT;
                pool._bOffsets[i] = u * dout;
                pool.Place(i, block.Scale[u], foldScales, canonicalize);
            }
        }

        return pool;
    }

    public ReadOnlySpan<float> RawA(int i) => new(_aRows[i], _aOffsets[i], InFeatures);

    public ReadOnlySpan<float> RawB(int i) => new(_bRows[i], _bOffsets[i], OutFeatures);

    /// <summary>n × n Gram matrix (row-major) of the units' clustering features; float32 products (see <see cref="Float32Gram"/>).</summary>
    [MethodImpl(JitHints.Hot)]
    public double[] FeatureGram(FeatureNormalization normalization)
    {
        int n = Count;
        var g = new double[(long)n * n];
        var gb = ThreadScratch<double>.Get(ScratchSlot.GramSecondHalf, n * n);
        Array.Clear(gb, 0, n * n);
        Float32Gram.AddTo(g, _aRows, _aOffsets, InFeatures);
        Float32Gram.AddTo(gb, _bRows, _bOffsets, OutFeatures);
        Combine(g, gb, normalization);
        return g;
    }

    /// <summary>g (the A Gram on entry) becomes the feature Gram, from the A and B Grams and the unit factors.</summary>
    [MethodImpl(JitHints.Hot)]
    private void Combine(double[] g, double[] gb, FeatureNormalization normalization)
    {
        int n = Count;

        // Feature half of unit i = ca_i·a_i: [ca·a] (None) or its direction sign(ca)·a/‖a‖ (PerHalfL2).
        var ca = new double[n];
        var cb = new double[n];
        for (int i = 0; i < n; i++)
        {
            ca[i] = normalization == FeatureNormalization.None ? FactorA[i] : Direction(FactorA[i], NormA[i]);
            cb[i] = normalization == FeatureNormalization.None ? FactorB[i] : Direction(FactorB[i], NormB[i]);
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                long at = ((long)i * n) + j;
                g[at] = (g[at] * ca[i] * ca[j]) + (gb[at] * cb[i] * cb[j]);
            }

            // The diagonal is the squared feature norm, known from the float64 norms (a direction's is 1).
            g[((long)i * n) + i] = normalization == FeatureNormalization.None
                ? Square(ca[i] * NormA[i]) + Square(cb[i] * NormB[i])
                : (ca[i] == 0 ? 0 : 1) + (cb[i] == 0 ? 0 : 1);
        }
    }

    /// <summary>a += weight · (unit i's a as clustered), b likewise, in float64.</summary>
    public void AddTo(int i, double weight, Span<double> a, Span<double> b)
    {
        VectorKernels.AddScaled(weight * FactorA[i], RawA(i), a);
        VectorKernels.AddScaled(weight * FactorB[i], RawB(i), b);
    }

    /// <summary>‖[a ; b]‖ of unit i as clustered.</summary>
    public double JointNorm(int i) => Math.Sqrt(Square(FactorA[i] * NormA[i]) + Square(FactorB[i] * NormB[i]));

    /// <summary>max |[a ; b]| of unit i as clustered.</summary>
    public double JointMaxAbs(int i) =>
        Math.Max(Math.Abs(FactorA[i]) * VectorKernels.MaxAbs(RawA(i)), Math.Abs(FactorB[i]) * VectorKernels.MaxAbs(RawB(i)));

    [MethodImpl(JitHints.Hot)]
    private void Place(int i, double scale, bool foldScales, bool canonicalize)
    {
        double na = Math.Sqrt(VectorKernels.SumOfSquares(RawA(i)));
        double nb = Math.Sqrt(VectorKernels.SumOfSquares(RawB(i)));
        NormA[i] = na;
        NormB[i] = nb;

        // Folding: a·√|s|, b·√|s|·sign(s), scale 1.
        double fa = 1, fb = 1;
        Scale[i] = scale;
        if (foldScales)
        {
            double root = Math.Sqrt(Math.Abs(scale));
            fa = root;
            fb = scale < 0 ? -root : root;
            Scale[i] = 1.0;
        }

        // Canonicalising: balance ‖a‖ = ‖b‖, then make a's largest-|.| entry positive; a zero half stays as it is.
        if (canonicalize && fa * na != 0 && fb * nb != 0)
        {
            double c = Math.Sqrt(Math.Abs(fa) * na / (Math.Abs(fb) * nb));
            double sign = RawA(i)[VectorKernels.ArgMaxAbs(RawA(i))] < 0 ? -1.0 : 1.0;
            fa *= sign / c;
            fb *= sign * c;
        }

        FactorA[i] = fa;
        FactorB[i] = fb;
    }

    // A zero half has no direction; it contributes a zero vector rather than NaNs.
    private static double Direction(double factor, double norm) => factor == 0 || norm == 0 ? 0 : Math.Sign(factor) / norm;

    private static double Square(double x) => x * x;
}
