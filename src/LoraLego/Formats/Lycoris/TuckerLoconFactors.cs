using System;
using LoraLego.Adapters;
using LoraLego.SafeTensors;

namespace LoraLego.Formats.Lycoris;

/// <summary>
/// LoCon with a Tucker core: lora_down [r', in, 1, 1], lora_mid [r, r', kh, kw], lora_up [out, r, 1, 1].
/// LyCORIS (modules/locon.py make_weight) builds ΔW[o, c, k, l] = Σ_i Σ_j mid[i, j, k, l] · up[o, i] · down[j, c]
/// (einsum "i j k l, p i, j r -> p r k l"; ComfyUI weight_adapter/lora.py contracts the same indices):
/// the mid's first index meets the up factor, its second the down factor. So B = lora_up and the core folds
/// into A[i, (c, k, l)] = Σ_j mid[i, j, k, l] · down[j, c]: a LoRA of rank r with A [r, in, kh, kw], exactly.
/// </summary>
internal sealed class TuckerLoconFactors : ComputedFactors
{
    private readonly LowRankPart _part;

    public TuckerLoconFactors(LowRankPart part)
        : base(part.Tensors, part.Rank, part.Rows, part.InChannels, part.Kernel)
    {
        _part = part;
    }

    public override string AKey => _part.DownKey;

    public override string BKey => _part.UpKey;

    public override NetworkType Network => NetworkType.LoCon;

    public override void Read(SafeTensorReader reader, Span<float> a, Span<float> b)
    {
        var (up, down) = _part.Read(reader);
        down.AsSpan().CopyTo(a);
        up.AsSpan().CopyTo(b);
    }
}
