using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.SafeTensors;

namespace LoraLego.Formats.Lycoris;

/// <summary>
/// What the LyCORIS factor sources share: the shapes a LoRA of the same delta would store (conv when the
/// tensors carry a kernel, else flat [r, in·kh·kw]), and the dtype and size of the tensors they are read from.
/// </summary>
internal abstract class ComputedFactors : FactorSource
{
    private readonly IReadOnlyList<TensorInfo> _tensors;

    protected ComputedFactors(IReadOnlyList<TensorInfo> tensors, int rank, int outFeatures, long inChannels, IReadOnlyList<long> kernel)
    {
        _tensors = tensors;
        Rank = rank;
        OutFeatures = outFeatures;
        InFeatures = checked((int)(inChannels * kernel.Aggregate(1L, (p, d) => p * d)));
        Kernel = kernel;
        AShape = kernel.Count == 0 ? new long[] { rank, InFeatures } : new long[] { rank, inChannels }.Concat(kernel).ToArray();
        BShape = kernel.Count == 0 ? new long[] { outFeatures, rank } : new long[] { outFeatures, rank }.Concat(kernel.Select(_ => 1L)).ToArray();
        DType = string.Join(",", tensors.Select(t => t.DType.ToString()).Distinct().OrderBy(d => d, System.StringComparer.Ordinal));
        ParameterCount = tensors.Sum(t => t.ElementCount);
    }

    public override int Rank { get; }

    public override int InFeatures { get; }

    public override int OutFeatures { get; }

    /// <summary>The conv kernel ([kh, kw]) when the stored tensors show it; empty otherwise (linear, or a conv stored flat).</summary>
    public IReadOnlyList<long> Kernel { get; }

    public ModuleKind Kind => Kernel.Count == 0 ? ModuleKind.Linear : ModuleKind.Conv;

    public override IReadOnlyList<long> AShape { get; }

    public override IReadOnlyList<long> BShape { get; }

    public override string DType { get; }

    public override long ParameterCount { get; }

    /// <summary>Every stored tensor the factors are computed from.</summary>
    public IReadOnlyList<TensorInfo> Tensors => _tensors;

    protected static TensorInfo[] Both(LowRankPart first, LowRankPart second) => first.Tensors.Concat(second.Tensors).ToArray();
}
