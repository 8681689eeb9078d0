using System;
using System.Collections.Generic;
using LoraLego.Diagnostics;
using LoraLego.SafeTensors;

namespace LoraLego.Adapters.Flux;

/// <summary>
/// One split layer's factors taken from a fused layer's LoRA: the same A, and the rows of B the split
/// layer produces (to_k: rows 3072..6143 of img_attn.qkv's B). Exact: (B·A)[rows] = B[rows]·A.
/// A fused module saved from separate q/k/v LoRAs (sd-scripts' network arg split_qkv, LoraLego's
/// loralego.flux_part_ranks) has a block-diagonal B: each part then takes only its own block of ranks
/// (A's rows, B's columns), and the read checks that the part's rows of B are zero outside that block,
/// so the delta stays exact.
/// Each part reads the stored tensors itself; the parts share nothing in memory.
/// </summary>
internal sealed class PartFactors : FactorSource
{
    private readonly FactorSource _fused;
    private readonly RowMap _rows;
    private readonly bool _countsA;
    private readonly int _rankStart;

    /// <param name="countsA">True for one part of each fused module (when the parts share A), so that the adapter's parameter count counts it once.</param>
    /// <param name="rankStart">First of the fused ranks this part takes (its block, for a block-diagonal B).</param>
    /// <param name="rankCount">How many ranks it takes; null: all (the parts share A).</param>
    public PartFactors(FactorSource fused, RowMap rows, bool countsA, int rankStart = 0, int? rankCount = null)
    {
        if (fused.OutFeatures != rows.FusedRows)
            throw new ArgumentException($"{fused.BKey} has {fused.OutFeatures} rows; the row map is for {rows.FusedRows}.", nameof(rows));
        int count = rankCount ?? fused.Rank;
        if (rankStart < 0 || count <= 0 || rankStart + count > fused.Rank) throw new ArgumentOutOfRangeException(nameof(rankStart));
        _fused = fused;
        _rows = rows;
        _countsA = countsA;
        _rankStart = rankStart;
        Rank = count;
        var aShape = new List<long>(fused.AShape) { [0] = count };
        AShape = aShape;
        BShape = new long[] { rows.PartRows, count };
    }

    public override int Rank { get; }

    public override int InFeatures => _fused.InFeatures;

    public override int OutFeatures => _rows.PartRows;

    public override IReadOnlyList<long> AShape { get; }

    public override IReadOnlyList<long> BShape { get; }

    public override string AKey => _fused.AKey;

    public override string BKey => _fused.BKey;

    public override string DType => _fused.DType;

    /// <summary>
    /// The stored values, counted once across the parts: a stored pair's B rows go to their part and A to
    /// the part that counts it (each its own block of A for a block-diagonal B); factors computed from
    /// other tensors (LyCORIS) cannot be divided, so the counting part has them all.
    /// </summary>
    public override long ParameterCount =>
        _fused is TensorFactors
            ? (IsBlock || _countsA ? (long)Rank * InFeatures : 0) + ((long)OutFeatures * _fused.Rank)
            : _countsA ? _fused.ParameterCount : 0;

    /// <summary>Which rows of the stored B this part is.</summary>
    public RowMap Rows => _rows;

    /// <summary>True when the part takes a block of the fused ranks rather than all of them.</summary>
    public bool IsBlock => Rank != _fused.Rank;

    public override void Read(SafeTensorReader reader, Span<float> a, Span<float> b)
    {
        int r = _fused.Rank;
        var fusedB = new float[(long)_fused.OutFeatures * r];
        if (!IsBlock)
        {
            _fused.Read(reader, a, fusedB);
            _rows.Gather(fusedB, b, r);
            return;
        }

        var fusedA = new float[(long)r * InFeatures];
        _fused.Read(reader, fusedA, fusedB);
        fusedA.AsSpan(_rankStart * InFeatures, Rank * InFeatures).CopyTo(a);
        var rows = new float[(long)OutFeatures * r];
        _rows.Gather(fusedB, rows, r);
        for (int i = 0; i < OutFeatures; i++)
        {
            for (int k = 0; k < r; k++)
            {
                float v = rows[(i * r) + k];
                if (k >= _rankStart && k < _rankStart + Rank) b[(i * Rank) + k - _rankStart] = v;
                else if (v != 0)
                {
                    throw new AdapterException(AdapterErrorIds.LoraShapeMismatch, LoraErrorCategory.InvalidData, reader.File.Path,
                        $"{reader.File.Path}: {BKey} is not block-diagonal (row {i} of this part, column {k}, is {v}) although the file's metadata gives its parts separate ranks (ss_network_args split_qkv or loralego.flux_part_ranks); its parts cannot be separated exactly. Remove that metadata entry to read the module as one fused LoRA.",
                        BKey);
                }
            }
        }
    }
}
