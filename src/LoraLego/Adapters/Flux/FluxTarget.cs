using System.Collections.Generic;

namespace LoraLego.Adapters.Flux;

/// <summary>The key style a Flux LoRA module was named in.</summary>
public enum FluxKeyStyle
{
    /// <summary>kohya / sd-scripts: lora_unet_double_blocks_0_img_attn_qkv, lora_te1_ (CLIP-L), lora_te3_ (T5).</summary>
    Kohya,

    /// <summary>BFL names as ComfyUI loads them: diffusion_model.double_blocks.0.img_attn.qkv (or without the prefix).</summary>
    Bfl,

    /// <summary>XLabs x-flux: double_blocks.0.processor.qkv_lora1 (image), qkv_lora2 (text), proj_lora1/2.</summary>
    XLabs,

    /// <summary>diffusers: transformer.transformer_blocks.0.attn.to_q (or OneTrainer's lora_transformer_ flattening).</summary>
    Diffusers,
}

/// <summary>
/// What one stored LoRA module adapts: the widths its factors must have and the identities it becomes,
/// each with the rows of the stored B it takes (one identity, all rows, for a layer both namings share).
/// </summary>
internal sealed class FluxTarget
{
    public FluxTarget(FluxKeyStyle style, int inFeatures, int outFeatures, IReadOnlyList<(ModuleIdentity Identity, RowMap Rows)> parts)
    {
        Style = style;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Parts = parts;
    }

    public FluxKeyStyle Style { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public IReadOnlyList<(ModuleIdentity Identity, RowMap Rows)> Parts { get; }

    /// <summary>A transformer layer (as opposed to a text encoder layer).</summary>
    public bool IsTransformer => Parts[0].Identity.Component == ModelComponent.Transformer;

    /// <summary>The stored module is a BFL layer (fused or renamed), which only a Flux file names.</summary>
    public bool IsBflNamed => Style != FluxKeyStyle.Diffusers && IsTransformer;
}
