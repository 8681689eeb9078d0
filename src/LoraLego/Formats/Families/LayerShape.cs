using LoraLego.Adapters;

namespace LoraLego.Formats.Families;

/// <summary>
/// A base-model layer's shape as a LoRA on it sees it: linear or conv, the flattened input width
/// (in·kh·kw for a conv) and the output width. Enough to tell families with the same layer names apart
/// (attn2.to_k takes 768 in SD 1.x, 1024 in SD 2.x, 2048 in SDXL).
/// </summary>
public readonly struct LayerShape
{
    public LayerShape(ModuleKind kind, int inFeatures, int outFeatures, int kernel = 1)
    {
        Kind = kind;
        Kernel = kernel;
        InFeatures = inFeatures * kernel * kernel;
        OutFeatures = outFeatures;
    }

    public ModuleKind Kind { get; }

    /// <summary>The conv kernel's side (1 for linear layers and 1×1 convs).</summary>
    public int Kernel { get; }

    /// <summary>Flattened input width: in·kh·kw for a conv.</summary>
    public int InFeatures { get; }

    public int OutFeatures { get; }

    public static LayerShape Linear(int inFeatures, int outFeatures) => new(ModuleKind.Linear, inFeatures, outFeatures);

    public static LayerShape Conv(int inFeatures, int outFeatures, int kernel) => new(ModuleKind.Conv, inFeatures, outFeatures, kernel);

    /// <summary>
    /// True when a LoRA module of this kind and widths fits the layer. A 1×1 conv also takes a linear
    /// pair (some converters squeeze the kernel dimensions).
    /// </summary>
    public bool Fits(ModuleKind kind, int inFeatures, int outFeatures) =>
        inFeatures == InFeatures && outFeatures == OutFeatures
        && (kind == Kind || (Kind == ModuleKind.Conv && Kernel == 1 && kind == ModuleKind.Linear));

    public override string ToString() => Kind == ModuleKind.Conv ? $"conv {Kernel}×{Kernel} {OutFeatures}×{InFeatures}" : $"linear {OutFeatures}×{InFeatures}";
}
