using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Adapters.Flux;

namespace LoraLego.Formats.Families;

/// <summary>
/// FLUX.1 as a family: the transformer by its diffusers paths (<see cref="FluxLayout.Parts"/>), CLIP ViT-L
/// (text_encoder, kohya lora_te1_) and T5-XXL's encoder (text_encoder_2, kohya lora_te3_). diffusers-named
/// files are read through it like any family; kohya names of the transformer are BFL layers, several of
/// them fused, which no single identity stands for: files in BFL names are read by <see cref="FluxReader"/>,
/// and a writer fuses identities back with <see cref="FluxNaming.ToBfl(IReadOnlyList{OutputModule}, Func{IReadOnlyList{OutputModule}, bool}?)"/>.
/// </summary>
internal sealed class FluxFamilyLayout : FamilyLayout
{
    public const int T5Blocks = 24;
    public const int T5Width = 4096;
    public const int T5FeedForward = 10240;

    // First path segments of every layer below: a key starting otherwise (a language model's
    // model.layers..., a UNet's down_blocks...) is turned away without building the ~1,300 layers.
    private static readonly string[] Roots = FamilyRoots.Flux;

    private FluxFamilyLayout()
        : base(ModelFamily.Flux1, () => new[] { Transformer(), ClipTextLayout.Build(ModelComponent.TextEncoder, "lora_te1", 768, 3072, 12), T5() },
            Roots, new[] { "flux" })
    {
    }

    public static FluxFamilyLayout Flux1 { get; } = new();

    /// <summary>Text encoders as the base layout has them; transformer kohya names are BFL layers (FluxKeyStyles), never one identity here.</summary>
    public override ModuleIdentity? FromKohya(string kohyaName) =>
        kohyaName.StartsWith("lora_unet_", StringComparison.Ordinal) ? null : base.FromKohya(kohyaName);

    /// <summary>
    /// Text encoders: lora_te1_ / lora_te3_ + the flattened path. Transformer: only a BFL layer's path (the
    /// modules of a <see cref="FluxBflPlan"/>) has a kohya name; a diffusers path must be fused first.
    /// </summary>
    public override string? KohyaName(ModuleIdentity identity)
    {
        if (identity.Component != ModelComponent.Transformer) return base.KohyaName(identity);
        return FluxLayout.ByBflPath(identity.Path) is null ? null : FluxNaming.KohyaName(identity.Path);
    }

    private static ComponentLayout Transformer() =>
        new(ModelComponent.Transformer, "lora_unet", FluxLayout.Parts.Select(p => new KeyValuePair<string, LayerShape>(p.Path, LayerShape.Linear(p.InFeatures, p.OutFeatures))));

    /// <summary>T5EncoderModel (t5-v1_1-xxl): per block self-attention q/k/v/o and the gated-GELU feed-forward wi_0/wi_1/wo.</summary>
    private static ComponentLayout T5()
    {
        var list = new List<KeyValuePair<string, LayerShape>>();
        for (int i = 0; i < T5Blocks; i++)
        {
            string p = $"encoder.block.{i}.layer.";
            foreach (var proj in new[] { "q", "k", "v", "o" }) list.Add(new(p + "0.SelfAttention." + proj, LayerShape.Linear(T5Width, T5Width)));
            list.Add(new(p + "1.DenseReluDense.wi_0", LayerShape.Linear(T5Width, T5FeedForward)));
            list.Add(new(p + "1.DenseReluDense.wi_1", LayerShape.Linear(T5Width, T5FeedForward)));
            list.Add(new(p + "1.DenseReluDense.wo", LayerShape.Linear(T5FeedForward, T5Width)));
        }

        return new ComponentLayout(ModelComponent.TextEncoder2, "lora_te3", list);
    }
}
