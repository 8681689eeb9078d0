using System;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Adapters.Flux;
using LoraLego.Formats.Families;

namespace LoraLego.Formats.Writing;

/// <summary>
/// The kohya module name (what A1111, Forge, ComfyUI and sd-scripts map) of a module identity, from the
/// model layouts: SD 1.x / 2.x / SDXL through <see cref="FamilyLayouts.KohyaName"/> (lora_unet_ + the
/// diffusers path, the SDXL UNet in SGM block names, lora_te_ / lora_te1_ / lora_te2_); the Flux
/// transformer's BFL layers through <see cref="FluxNaming.KohyaName"/>; Flux's text encoders
/// lora_te1_ (CLIP-L) and lora_te3_ (T5), sd-scripts' and ComfyUI's prefixes.
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
            case ModelFamily.StableDiffusionXL:
                if (FamilyLayouts.KohyaName(identity) is string name) return name;
                why = $"'{identity.Path}' is not a layer of {identity.Family}'s {identity.Component}, so kohya has no name for it.";
                return null;
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
}
