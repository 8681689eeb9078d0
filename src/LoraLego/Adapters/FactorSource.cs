using System;
using System.Collections.Generic;
using LoraLego.SafeTensors;

namespace LoraLego.Adapters;

/// <summary>
/// Where a module's factors come from: a stored A/B pair (plain LoRA), or factors computed exactly
/// from other tensors (LyCORIS LoHa/LoKr/Tucker cores, one part of a fused layer, parts fused into
/// one layer). Whatever the source, the module is ΔW = Scale · B · A and splits into rank-1 units.
/// </summary>
internal abstract class FactorSource
{
    public abstract int Rank { get; }

    /// <summary>Flattened input width (in·kh·kw for conv).</summary>
    public abstract int InFeatures { get; }

    public abstract int OutFeatures { get; }

    /// <summary>A's shape as a LoRA stores it: [r, in] or [r, in, kh, kw].</summary>
    public abstract IReadOnlyList<long> AShape { get; }

    /// <summary>B's shape as a LoRA stores it: [out, r] or [out, r, 1, 1].</summary>
    public abstract IReadOnlyList<long> BShape { get; }

    /// <summary>The stored tensor a message about A (down) should name.</summary>
    public abstract string AKey { get; }

    /// <summary>The stored tensor a message about B (up) should name.</summary>
    public abstract string BKey { get; }

    /// <summary>dtype(s) of the stored tensors ("F32", or sorted and comma-joined when they differ).</summary>
    public abstract string DType { get; }

    /// <summary>Number of stored values the factors are made from.</summary>
    public abstract long ParameterCount { get; }

    /// <summary>The network the stored tensors belong to (a plain pair says Lora; the module tells LoCon by its kind).</summary>
    public virtual NetworkType Network => NetworkType.Lora;

    /// <summary>
    /// Fills <paramref name="a"/> (Rank × InFeatures, row-major) and <paramref name="b"/>
    /// (OutFeatures × Rank, row-major: B as stored) through <paramref name="reader"/>, an open
    /// reader of the adapter's tensor file.
    /// </summary>
    public abstract void Read(SafeTensorReader reader, Span<float> a, Span<float> b);
}

/// <summary>A plain LoRA pair: A and B read as stored.</summary>
internal sealed class TensorFactors : FactorSource
{
    private readonly TensorInfo _a;
    private readonly TensorInfo _b;

    public TensorFactors(TensorInfo a, TensorInfo b)
    {
        _a = a;
        _b = b;
        Rank = checked((int)a.Shape[0]);
        long inFeatures = 1;
        for (int i = 1; i < a.Shape.Count; i++) inFeatures *= a.Shape[i];
        InFeatures = checked((int)inFeatures);
        OutFeatures = checked((int)b.Shape[0]);
        DType = a.DType == b.DType ? a.DType.ToString() : string.CompareOrdinal(a.DType.ToString(), b.DType.ToString()) < 0
            ? a.DType + "," + b.DType
            : b.DType + "," + a.DType;
    }

    public override int Rank { get; }

    public override int InFeatures { get; }

    public override int OutFeatures { get; }

    public override IReadOnlyList<long> AShape => _a.Shape;

    public override IReadOnlyList<long> BShape => _b.Shape;

    public override string AKey => _a.Name;

    public override string BKey => _b.Name;

    public override string DType { get; }

    public override long ParameterCount => _a.ElementCount + _b.ElementCount;

    public override void Read(SafeTensorReader reader, Span<float> a, Span<float> b)
    {
        reader.ReadFloat32(_a, a);
        reader.ReadFloat32(_b, b);
    }
}
