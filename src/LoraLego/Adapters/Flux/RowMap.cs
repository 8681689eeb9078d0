using System;
using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Adapters.Flux;

/// <summary>
/// Where the output rows of one split layer sit in the output rows of the fused layer it is part of:
/// segments (part row, fused row, count). A plain slice is one segment (to_k is rows 3072..6143 of
/// img_attn.qkv); norm_out.linear is two, because diffusers stores final_layer.adaLN_modulation.1's
/// shift and scale halves swapped. Row i of the part's B is row Fused(i) of the fused layer's B.
/// </summary>
public sealed class RowMap
{
    private RowMap(int partRows, int fusedRows, IReadOnlyList<(int Part, int Fused, int Count)> segments)
    {
        PartRows = partRows;
        FusedRows = fusedRows;
        Segments = segments;
    }

    /// <summary>Output rows of the split layer.</summary>
    public int PartRows { get; }

    /// <summary>Output rows of the fused layer.</summary>
    public int FusedRows { get; }

    public IReadOnlyList<(int Part, int Fused, int Count)> Segments { get; }

    /// <summary>True when the part is the whole fused layer, row for row.</summary>
    public bool IsIdentity => PartRows == FusedRows && Segments.Count == 1 && Segments[0].Fused == 0;

    /// <summary>Rows [offset, offset + rows) of a fused layer of <paramref name="fusedRows"/> rows.</summary>
    public static RowMap Slice(int offset, int rows, int fusedRows)
    {
        if (offset < 0 || rows <= 0 || offset + rows > fusedRows) throw new ArgumentOutOfRangeException(nameof(offset), $"Rows {offset}..{offset + rows - 1} do not fit in {fusedRows}.");
        return new RowMap(rows, fusedRows, new[] { (0, offset, rows) });
    }

    /// <summary>The whole layer with its two halves exchanged (its own inverse).</summary>
    public static RowMap SwapHalves(int rows)
    {
        if (rows <= 0 || rows % 2 != 0) throw new ArgumentOutOfRangeException(nameof(rows), $"Cannot swap the halves of {rows} rows.");
        int half = rows / 2;
        return new RowMap(rows, rows, new[] { (0, half, half), (half, 0, half) });
    }

    /// <summary>Part rows from fused rows: part[i, :] = fused[Fused(i), :] for row-major matrices of <paramref name="cols"/> columns.</summary>
    public void Gather(ReadOnlySpan<float> fused, Span<float> part, int cols)
    {
        foreach (var (p, f, n) in Segments)
        {
            fused.Slice(f * cols, n * cols).CopyTo(part.Slice(p * cols, n * cols));
        }
    }

    /// <summary>Fused rows from part rows: fused[Fused(i), :] = part[i, :]; rows outside the part are left as they are.</summary>
    public void Scatter(ReadOnlySpan<float> part, Span<float> fused, int cols)
    {
        foreach (var (p, f, n) in Segments)
        {
            part.Slice(p * cols, n * cols).CopyTo(fused.Slice(f * cols, n * cols));
        }
    }

    /// <summary>One element per fused row of a vector (a unit's b): the part's entries placed, the rest untouched.</summary>
    public void ScatterVector(ReadOnlySpan<float> part, Span<float> fused) => Scatter(part, fused, 1);

    public override string ToString() =>
        string.Join(", ", Segments.Select(s => s.Count == PartRows && s.Part == 0 ? $"rows {s.Fused}..{s.Fused + s.Count - 1}" : $"rows {s.Fused}..{s.Fused + s.Count - 1} as {s.Part}..{s.Part + s.Count - 1}"))
        + $" of {FusedRows}";
}
