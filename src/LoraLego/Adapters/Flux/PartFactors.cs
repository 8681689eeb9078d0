using System;
using System.Collections.Generic;
using LoraLego.SafeTensors;

namespace LoraLego.Adapters.Flux;

/// <summary>
/// One split layer's factors taken from a fused layer's LoRA: the same A, and the rows of B the
/// split layer produces (to_k: rows 3072..6143 of img_attn.qkv's B). Exact: (B·A)[rows] = B[rows]·A.
/// Each part of one fused module reads the stored tensors itself; the parts share nothing in memory.
/// </summary>
internal sealed class PartFactors : FactorSource
{
    private readonly FactorSource _fused;
    private readonly RowMap _rows;
    private readonly bool _countsA;

    /// <param name="countsA">True for one part of each fused module, so that the adapter's parameter count counts the shared A once.</param>
    public PartFactors(FactorSource fused, RowMap rows, bool countsA)
    {
        if (fused.OutFeatures != rows.FusedRows)
            throw new ArgumentException($"{fused.BKey} has {fused.OutFeatures} rows; the row map is for {rows.FusedRows}.", nameof(rows));
        _fused = fused;
        _rows = rows;
        _countsA = countsA;
        BShape = new long[] { rows.PartRows, fused.Rank };
    }

    public override int Rank => _fused.Rank;

    public override int InFeatures => _fused.InFeatures;

    public override int OutFeatures => _rows.PartRows;

    public override IReadOnlyList<long> AShape => _fused.AShape;

    public override IReadOnlyList<long> BShape { get; }

    public override string AKey => _fused.AKey;

    public override string BKey => _fused.BKey;

    public override string DType => _fused.DType;

    /// <summary>Its own rows of B, and A when this part counts the shared A.</summary>
    public override long ParameterCount => (_countsA ? (long)Rank * InFeatures : 0) + ((long)OutFeatures * Rank);

    /// <summary>Which rows of the stored B this part is.</summary>
    public RowMap Rows => _rows;

    public override void Read(SafeTensorReader reader, Span<float> a, Span<float> b)
    {
        var fusedB = new float[(long)_fused.OutFeatures * Rank];
        _fused.Read(reader, a, fusedB);
        _rows.Gather(fusedB, b, Rank);
    }
}
