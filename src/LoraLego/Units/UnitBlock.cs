using System;

namespace LoraLego.Units;

/// <summary>
/// A module's rank-1 units held unit-major: row i of <see cref="A"/> is a_i (a row of lora_A) and
/// row i of <see cref="BT"/> is b_i (a column of lora_B), so each unit's two vectors are contiguous.
/// The delta is ΔW = Σ_i Scale[i] · b_i a_iᵀ (OutFeatures × InFeatures).
/// Conv units are flattened: InFeatures = in·kh·kw.
/// </summary>
public sealed class UnitBlock
{
    public UnitBlock(int inFeatures, int outFeatures, float[] a, float[] bt, double[] scale)
    {
        if (inFeatures < 0 || outFeatures < 0) throw new ArgumentOutOfRangeException(nameof(inFeatures));
        int n = scale.Length;
        if (a.Length != (long)n * inFeatures) throw new ArgumentException($"A has {a.Length} values, expected {n}×{inFeatures}.", nameof(a));
        if (bt.Length != (long)n * outFeatures) throw new ArgumentException($"BT has {bt.Length} values, expected {n}×{outFeatures}.", nameof(bt));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        A = a;
        BT = bt;
        Scale = scale;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public int Count => Scale.Length;

    /// <summary>Count × InFeatures, row-major.</summary>
    public float[] A { get; }

    /// <summary>Count × OutFeatures, row-major (B transposed).</summary>
    public float[] BT { get; }

    public double[] Scale { get; }

    public ReadOnlySpan<float> UnitA(int i) => new(A, i * InFeatures, InFeatures);

    public ReadOnlySpan<float> UnitB(int i) => new(BT, i * OutFeatures, OutFeatures);
}
