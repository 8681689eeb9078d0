using System;
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
        InFeatures = checked((int)(inChannels * kernel.Aggregate(1L, (p, d) => checked(p * d))));
        Kernel = kernel;
        DType = string.Join(",", tensors.Select(t => t.DType.ToString()).Distinct().OrderBy(d => d, System.StringComparer.Ordinal));
        ParameterCount = tensors.Sum(t => t.ElementCount);
    }

    public override int Rank { get; }

    public override int InFeatures { get; }

    public override int OutFeatures { get; }

    /// <summary>The conv kernel ([kh, kw]) when the stored tensors show it; empty otherwise (linear, or a conv stored flat).</summary>
    public IReadOnlyList<long> Kernel { get; private set; } = Array.Empty<long>();

    public ModuleKind Kind => Kernel.Count == 0 ? ModuleKind.Linear : ModuleKind.Conv;

    public override IReadOnlyList<long> AShape => Kernel.Count == 0 ? new long[] { Rank, InFeatures } : new long[] { Rank, InFeatures / KernelSize }.Concat(Kernel).ToArray();

    public override IReadOnlyList<long> BShape => Kernel.Count == 0 ? new long[] { OutFeatures, Rank } : new long[] { OutFeatures, Rank }.Concat(Kernel.Select(_ => 1L)).ToArray();

    private long KernelSize => Kernel.Aggregate(1L, (p, d) => p * d);

    public override string DType { get; }

    public override long ParameterCount { get; }

    /// <summary>Every stored tensor the factors are computed from.</summary>
    public IReadOnlyList<TensorInfo> Tensors => _tensors;

    /// <summary>
    /// Gives a conv stored flat (LoHa's hada_w1_b, LoKr's lokr_w2_b [r, in·kh·kw]) the kernel of the layer it adapts,
    /// when the reader knows the layer. Nothing is recomputed: A's columns are already in·kh·kw in the row-major order
    /// a [r, in, kh, kw] A flattens to (LyCORIS and ComfyUI reshape the flat delta to the layer's shape the same way).
    /// Only while the module is being made; ignored when the tensors carry a kernel or the widths do not divide.
    /// </summary>
    public void TakeLayerKernel(IReadOnlyList<long> kernel)
    {
        long size = kernel.Aggregate(1L, (p, d) => p * d);
        if (Kernel.Count != 0 || kernel.Count == 0 || size <= 0 || InFeatures % size != 0) return;
        Kernel = kernel.ToArray();
    }

    protected static TensorInfo[] Both(LowRankPart first, LowRankPart second) => first.Tensors.Concat(second.Tensors).ToArray();
}
