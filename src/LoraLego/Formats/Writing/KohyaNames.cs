using System;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Adapters.Flux;

namespace LoraLego.Formats.Writing;

/// <summary>
/// The kohya module name (what A1111, Forge, ComfyUI and sd-scripts map) of a module identity:
/// SD 1.x / 2.x <c>lora_unet_</c> + the diffusers UNet path and <c>lora_te_</c> + the CLIP path, with
/// dots made underscores; SDXL <c>lora_te1_</c> / <c>lora_te2_</c> for its two text encoders; Flux
/// <c>lora_te1_</c> (CLIP-L) and <c>lora_te3_</c> (T5, sd-scripts' and ComfyUI's prefix). The SDXL UNet
/// (SGM block names) and the Flux transformer (BFL names) come from their model layouts.
/// </summary>
internal static class KohyaNames
{
    /// <summary>A stored name that already is a kohya module name: lora_ + prefix + underscored path, no dots.</summary>
    public static bool LooksLikeKohya(string name) =>
        name.StartsWith("lora_", StringComparison.Ordinal) && name.IndexOf('.') < 0 && name.IndexOf('_', 5) > 5;

    /// <summary>The kohya name, or null with <paramref name="why"/> saying what is missing.</summary>
    public static string? For(ModuleIdentity identity, out string why)
    {
        why = string.Empty;
        switch (identity.Family)
        {
            case ModelFamily.Unknown:
                if (LooksLikeKohya(identity.Key)) return identity.Key;
                why = "its layer is not recognised as one of a known model family (SD 1.x/2.x, SDXL, Flux), so there is no kohya name for it. Write it as Peft (or Diffusers with a component prefix).";
                return null;
            case ModelFamily.Transformers:
                why = "kohya files are for Stable Diffusion and Flux pipelines; write a transformers model's adapter as Peft.";
                return null;
            case ModelFamily.StableDiffusion1:
            case ModelFamily.StableDiffusion2:
                return identity.Component switch
                {
                    ModelComponent.Unet => Flatten("lora_unet_", identity.Path),
                    ModelComponent.TextEncoder => Flatten("lora_te_", identity.Path),
                    _ => NoPrefix(identity, out why),
                };
            case ModelFamily.StableDiffusionXL:
                return identity.Component switch
                {
                    ModelComponent.Unet => SdxlUnet(identity, out why),
                    ModelComponent.TextEncoder => Flatten("lora_te1_", identity.Path),
                    ModelComponent.TextEncoder2 => Flatten("lora_te2_", identity.Path),
                    _ => NoPrefix(identity, out why),
                };
            case ModelFamily.Flux1:
                return identity.Component switch
                {
                    ModelComponent.Transformer => FluxTransformer(identity, out why),
                    ModelComponent.TextEncoder => Flatten("lora_te1_", identity.Path),
                    ModelComponent.TextEncoder2 => Flatten("lora_te3_", identity.Path),
                    _ => NoPrefix(identity, out why),
                };
            default:
                return NoPrefix(identity, out why);
        }
    }

    private static string Flatten(string prefix, string path) => prefix + path.Replace('.', '_');

    private static string? NoPrefix(ModuleIdentity identity, out string why)
    {
        why = $"kohya has no prefix for component '{identity.Component}' of {identity.Family}.";
        return null;
    }

    /// <summary>A FLUX.1 transformer module regrouped into its BFL layer (KohyaWriter.Regroup) has that layer's path.</summary>
    private static string? FluxTransformer(ModuleIdentity identity, out string why)
    {
        why = string.Empty;
        if (FluxLayout.ByBflPath(identity.Path) is not null) return FluxNaming.KohyaName(identity.Path);
        why = "it is not one of FLUX.1's transformer layers (double_blocks, single_blocks, img_in, txt_in, time_in, vector_in, guidance_in, final_layer), so kohya has no name for it.";
        return null;
    }

    private static string? SdxlUnet(ModuleIdentity identity, out string why)
    {
        // Placeholder until the SDXL layout (SGM <-> diffusers blocks) is merged from the identity branch.
        why = "the SDXL UNet's kohya (SGM block) names are not available in this build.";
        return null;
    }
}
