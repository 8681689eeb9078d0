using System;
using System.Collections.Generic;

namespace LoraLego.Adapters.Flux;

/// <summary>
/// The layers of FLUX.1's text encoders that LoRA trainers adapt: CLIP ViT-L (text_encoder: 12 layers,
/// width 768, MLP 3072) and T5-XXL's encoder (text_encoder_2: 24 blocks, d_model 4096, d_ff 10240),
/// with their transformers paths and widths. sd-scripts' lora_flux names them lora_te1_ (CLIP-L) and
/// lora_te3_ (T5), OneTrainer lora_te2_ for T5; ComfyUI text_encoders.clip_l.transformer. and text_encoders.t5xxl.transformer.
/// </summary>
internal static class FluxTextEncoders
{
    public const int ClipLayers = 12;
    public const int ClipWidth = 768;
    public const int ClipMlp = 3072;
    public const int T5Blocks = 24;
    public const int T5Width = 4096;
    public const int T5FeedForward = 10240;

    private static readonly Lazy<Dictionary<string, (string Component, string Path, int In, int Out)>> ByKohyaName = new(Build);

    /// <summary>Every layer: (component, transformers path, in, out).</summary>
    public static IEnumerable<(string Component, string Path, int In, int Out)> Layers()
    {
        for (int i = 0; i < ClipLayers; i++)
        {
            string p = $"text_model.encoder.layers.{i}.";
            foreach (var proj in new[] { "q_proj", "k_proj", "v_proj", "out_proj" }) yield return (ModelComponent.TextEncoder, p + "self_attn." + proj, ClipWidth, ClipWidth);
            yield return (ModelComponent.TextEncoder, p + "mlp.fc1", ClipWidth, ClipMlp);
            yield return (ModelComponent.TextEncoder, p + "mlp.fc2", ClipMlp, ClipWidth);
        }

        for (int i = 0; i < T5Blocks; i++)
        {
            string p = $"encoder.block.{i}.layer.";
            foreach (var proj in new[] { "q", "k", "v", "o" }) yield return (ModelComponent.TextEncoder2, p + "0.SelfAttention." + proj, T5Width, T5Width);
            yield return (ModelComponent.TextEncoder2, p + "1.DenseReluDense.wi_0", T5Width, T5FeedForward);
            yield return (ModelComponent.TextEncoder2, p + "1.DenseReluDense.wi_1", T5Width, T5FeedForward);
            yield return (ModelComponent.TextEncoder2, p + "1.DenseReluDense.wo", T5FeedForward, T5Width);
        }
    }

    /// <summary>The layer a stored text-encoder module name adapts, in any of the key styles, or null.</summary>
    public static FluxTarget? Map(string stored)
    {
        foreach (var (prefix, component, style) in Prefixes)
        {
            if (!stored.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = stored.Substring(prefix.Length);
            if (ByKohyaName.Value.TryGetValue(component + "|" + rest.Replace('.', '_'), out var layer)
                && (style == FluxKeyStyle.Kohya ? rest.IndexOf('.') < 0 : rest == layer.Path))
            {
                var identity = new ModuleIdentity(ModelFamily.Flux1, layer.Component, layer.Path);
                return new FluxTarget(style, layer.In, layer.Out, new[] { (identity, RowMap.Slice(0, layer.Out, layer.Out)) });
            }
        }

        return null;
    }

    // Longest first: lora_te1_ before lora_te_.
    private static readonly (string Prefix, string Component, FluxKeyStyle Style)[] Prefixes =
    {
        ("lora_te1_", ModelComponent.TextEncoder, FluxKeyStyle.Kohya),
        ("lora_te3_", ModelComponent.TextEncoder2, FluxKeyStyle.Kohya),
        ("lora_te2_", ModelComponent.TextEncoder2, FluxKeyStyle.Kohya), // OneTrainer's T5 prefix for Flux (ComfyUI model_lora_keys_clip maps both)
        ("lora_te_", ModelComponent.TextEncoder, FluxKeyStyle.Kohya),
        ("text_encoders.clip_l.transformer.", ModelComponent.TextEncoder, FluxKeyStyle.Bfl),
        ("text_encoders.t5xxl.transformer.", ModelComponent.TextEncoder2, FluxKeyStyle.Bfl),
        ("text_encoder_2.", ModelComponent.TextEncoder2, FluxKeyStyle.Diffusers),
        ("text_encoder.", ModelComponent.TextEncoder, FluxKeyStyle.Diffusers),
    };

    // kohya flattens dots to underscores, and the paths hold underscores of their own (self_attn, wi_0):
    // layers are looked up by the flattened path (unique among these layers); dotted styles must then match exactly.
    private static Dictionary<string, (string Component, string Path, int In, int Out)> Build()
    {
        var map = new Dictionary<string, (string, string, int, int)>(StringComparer.Ordinal);
        foreach (var l in Layers()) map.Add(l.Component + "|" + l.Path.Replace('.', '_'), l);
        return map;
    }
}
