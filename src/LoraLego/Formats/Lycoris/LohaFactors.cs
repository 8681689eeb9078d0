using System;
using LoraLego.Adapters;
using LoraLego.SafeTensors;

namespace LoraLego.Formats.Lycoris;

/// <summary>
/// LoHa: ΔW = (w1a · w1b) ⊙ (w2a · w2b) (LyCORIS functional/loha.py HadaWeight; ComfyUI weight_adapter/loha.py).
/// With w1a·w1b = Σ_i u1_i d1_iᵀ and w2a·w2b = Σ_j u2_j d2_jᵀ, the Hadamard product of two sums of outer
/// products is Σ_i Σ_j (u1_i ⊙ u2_j)(d1_i ⊙ d2_j)ᵀ: exactly a LoRA of rank r1·r2 whose unit (i, j), at index
/// i·r2 + j, has B column u1_i ⊙ u2_j and A row d1_i ⊙ d2_j. The Tucker variant (hada_t1/hada_t2) first folds
/// each core into its down factor (see <see cref="LowRankPart.Tucker"/>); LyCORIS rebuilds each half with einsum
/// "i j ..., j r, i p -> p r ..." (t, w_b, w_a): the core's first index meets w_a [r, out], its second w_b [r, in].
/// </summary>
internal sealed class LohaFactors : ComputedFactors
{
    private readonly LowRankPart _first;
    private readonly LowRankPart _second;

    public LohaFactors(LowRankPart first, LowRankPart second)
        : base(Both(first, second), checked(first.Rank * second.Rank), first.Rows, first.InChannels, first.Kernel)
    {
        _first = first;
        _second = second;
    }

    public override string AKey => _first.DownKey;

    public override string BKey => _first.UpKey;

    public override NetworkType Network => NetworkType.LoHa;

    public override void Read(SafeTensorReader reader, Span<float> a, Span<float> b)
    {
        int r1 = _first.Rank, r2 = _second.Rank, cols = InFeatures, rows = OutFeatures;
        var (u1, d1) = _first.Read(reader);
        var (u2, d2) = _second.Read(reader);

        for (int i = 0; i < r1; i++)
        {
            var row1 = d1.AsSpan(i * cols, cols);
            for (int j = 0; j < r2; j++)
            {
                var row2 = d2.AsSpan(j * cols, cols);
                var target = a.Slice(((i * r2) + j) * cols, cols);
                for (int c = 0; c < cols; c++) target[c] = row1[c] * row2[c];
            }
        }

        int rank = Rank;
        for (int o = 0; o < rows; o++)
        {
            var target = b.Slice(o * rank, rank);
            for (int i = 0; i < r1; i++)
            {
                float x = u1[(o * r1) + i];
                for (int j = 0; j < r2; j++) target[(i * r2) + j] = x * u2[(o * r2) + j];
            }
        }
    }
}
