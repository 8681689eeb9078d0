using System;
using LoraLego.Formats.Families;

namespace LoraLego.Adapters.Flux;

/// <summary>
/// The names FLUX.1 LoRA files give their text-encoder layers (CLIP ViT-L: text_encoder; T5-XXL:
/// text_encoder_2), resolved through the Flux family layout: sd-scripts' lora_flux lora_te1_ (CLIP-L)
/// and lora_te3_ (T5), OneTrainer's lora_te2_ for T5 (ComfyUI's model_lora_keys_clip maps both for
/// Flux), lora_te_ for CLIP, ComfyUI's text_encoders.clip_l.transformer. / text_encoders.t5xxl.transformer.,
/// and diffusers' text_encoder. / text_encoder_2.
/// </summary>
internal static class FluxTextEncoders
{
    // (stored prefix, component, the family layout's kohya prefix it stands for or null for dotted paths, style); longest first.
    private static readonly (string Prefix, string Component, string? Kohya, FluxKeyStyle Style)[] Prefixes =
    {
        ("lora_te1_", ModelComponent.TextEncoder, "lora_te1_", FluxKeyStyle.Kohya),
        ("lora_te3_", ModelComponent.TextEncoder2, "lora_te3_", FluxKeyStyle.Kohya),
        ("lora_te2_", ModelComponent.TextEncoder2, "lora_te3_", FluxKeyStyle.Kohya),
        ("lora_te_", ModelComponent.TextEncoder, "lora_te1_", FluxKeyStyle.Kohya),
        ("text_encoders.clip_l.transformer.", ModelComponent.TextEncoder, null, FluxKeyStyle.Bfl),
        ("text_encoders.t5xxl.transformer.", ModelComponent.TextEncoder2, null, FluxKeyStyle.Bfl),
        ("text_encoder_2.", ModelComponent.TextEncoder2, null, FluxKeyStyle.Diffusers),
        ("text_encoder.", ModelComponent.TextEncoder, null, FluxKeyStyle.Diffusers),
    };

    /// <summary>The layer a stored text-encoder module name adapts, in any of the key styles, or null.</summary>
    public static FluxTarget? Map(string stored)
    {
        var layout = FluxFamilyLayout.Flux1;
        foreach (var (prefix, component, kohya, style) in Prefixes)
        {
            if (!stored.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = stored.Substring(prefix.Length);
            var identity = kohya is null ? layout.Find(component, rest) : layout.FromKohya(kohya + rest);
            if (identity is null || identity.Component != component || layout.ShapeOf(identity) is not LayerShape shape) return null;
            return new FluxTarget(style, shape.InFeatures, shape.OutFeatures, new[] { (identity, RowMap.Slice(0, shape.OutFeatures, shape.OutFeatures)) });
        }

        return null;
    }
}
