using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace LoraLego.Adapters.Flux;

/// <summary>
/// Maps a stored Flux LoRA module name (the key without its lora_down/lora_A/... suffix) to what it
/// adapts, in every key style Flux LoRAs are published in:
/// <list type="bullet">
/// <item>kohya (sd-scripts networks/lora_flux.py, ComfyUI's lora_unet_ keys): lora_unet_ + the BFL path with dots as underscores;</item>
/// <item>BFL / ComfyUI (comfy/lora.py model_lora_keys_unet: the checkpoint's own keys): diffusion_model. + BFL path, or the bare BFL path
/// (BFL's control LoRAs); ComfyUI's diffusion_model.single_blocks.N.linear1_qkv is the q/k/v rows of linear1;</item>
/// <item>XLabs x-flux: double_blocks.N.processor.qkv_lora1/proj_lora1 (image stream: img_attn.qkv / img_attn.proj),
/// qkv_lora2/proj_lora2 (text stream), single_blocks.N.processor.qkv_lora (q/k/v rows of linear1) and proj_lora (linear2);</item>
/// <item>diffusers: transformer. + the diffusers path; OneTrainer lora_transformer_ and SimpleTuner (LyCORIS) lycoris_ + the path with dots as underscores.</item>
/// </list>
/// A fused BFL layer becomes one target part per diffusers layer, each with its rows of the stored B.
/// </summary>
internal static class FluxKeyStyles
{
    private const string KohyaPrefix = "lora_unet_";
    private const string ComfyPrefix = "diffusion_model.";
    private const string DiffusersPrefix = "transformer.";
    private const string OneTrainerPrefix = "lora_transformer_";
    private const string SimpleTunerLycorisPrefix = "lycoris_";

    private static readonly Regex XLabs = new(@"^(?:diffusion_model\.)?(double|single)_blocks\.(\d+)\.processor\.(qkv|proj)_lora(1|2)?$", RegexOptions.CultureInvariant);

    private static readonly Lazy<Dictionary<string, FluxLayer>> ByKohyaName = new(() =>
        FluxLayout.Layers.ToDictionary(l => KohyaPrefix + l.BflPath.Replace('.', '_'), StringComparer.Ordinal));

    // Both flatten the diffusers path: OneTrainer lora_transformer_, SimpleTuner's LyCORIS lycoris_ (ComfyUI maps both).
    private static readonly Lazy<Dictionary<string, FluxPart>> ByFlattenedName = new(() =>
        FluxLayout.Parts.SelectMany(p => new[] { (OneTrainerPrefix, p), (SimpleTunerLycorisPrefix, p) })
            .ToDictionary(x => x.Item1 + x.p.Path.Replace('.', '_'), x => x.p, StringComparer.Ordinal));

    /// <summary>The Flux layer(s) a stored module adapts, or null when the name is not a Flux name.</summary>
    public static FluxTarget? Map(string stored)
    {
        if (stored.StartsWith(KohyaPrefix, StringComparison.Ordinal))
            return ByKohyaName.Value.TryGetValue(stored, out var kl) ? Whole(kl, FluxKeyStyle.Kohya) : null;

        if (stored.StartsWith(OneTrainerPrefix, StringComparison.Ordinal) || stored.StartsWith(SimpleTunerLycorisPrefix, StringComparison.Ordinal))
            return ByFlattenedName.Value.TryGetValue(stored, out var op) ? Single(op, FluxKeyStyle.Diffusers) : null;

        if (stored.StartsWith(DiffusersPrefix, StringComparison.Ordinal))
            return FluxLayout.ByDiffusersPath(stored.Substring(DiffusersPrefix.Length)) is FluxPart dp ? Single(dp, FluxKeyStyle.Diffusers) : null;

        var x = XLabs.Match(stored);
        if (x.Success) return MapXLabs(x.Groups[1].Value == "double", int.Parse(x.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), x.Groups[3].Value, x.Groups[4].Value);

        var bfl = stored.StartsWith(ComfyPrefix, StringComparison.Ordinal) ? stored.Substring(ComfyPrefix.Length) : stored;
        if (FluxLayout.ByBflPath(bfl) is FluxLayer bl) return Whole(bl, FluxKeyStyle.Bfl);
        const string QkvOfLinear1 = ".linear1_qkv";
        if (bfl.EndsWith(QkvOfLinear1, StringComparison.Ordinal)
            && FluxLayout.ByBflPath(bfl.Substring(0, bfl.Length - QkvOfLinear1.Length) + ".linear1") is FluxLayer l1)
        {
            return FirstParts(l1, 3, FluxKeyStyle.Bfl);
        }

        return null;
    }

    private static FluxTarget? MapXLabs(bool isDouble, int block, string kind, string stream)
    {
        if (isDouble)
        {
            // lora1 is the image stream, lora2 the text stream (x-flux DoubleStreamBlockLoraProcessor).
            var side = stream switch { "1" => "img", "2" => "txt", _ => null };
            if (side is null) return null;
            var layer = FluxLayout.ByBflPath($"double_blocks.{block}.{side}_attn.{kind}");
            return layer is null ? null : Whole(layer, FluxKeyStyle.XLabs);
        }

        if (stream.Length != 0) return null;
        if (kind == "proj") return FluxLayout.ByBflPath($"single_blocks.{block}.linear2") is FluxLayer l2 ? Whole(l2, FluxKeyStyle.XLabs) : null;

        // x-flux SingleStreamBlockLoraProcessor adds qkv_lora (dim → 3·dim) to the q/k/v rows of linear1 only.
        return FluxLayout.ByBflPath($"single_blocks.{block}.linear1") is FluxLayer l1 ? FirstParts(l1, 3, FluxKeyStyle.XLabs) : null;
    }

    /// <summary>A whole BFL layer: every diffusers part with its rows of the stored (BFL) B.</summary>
    private static FluxTarget Whole(FluxLayer layer, FluxKeyStyle style) =>
        new(style, layer.InFeatures, layer.OutFeatures, layer.Parts.Select(p => (p.Identity, p.Rows)).ToList());

    /// <summary>A stored module that covers the first <paramref name="count"/> parts of a fused layer (rows from 0).</summary>
    private static FluxTarget FirstParts(FluxLayer layer, int count, FluxKeyStyle style)
    {
        var parts = layer.Parts.Take(count).ToList();
        int rows = parts.Sum(p => p.OutFeatures);
        var list = new List<(ModuleIdentity, RowMap)>();
        int offset = 0;
        foreach (var p in parts)
        {
            list.Add((p.Identity, RowMap.Slice(offset, p.OutFeatures, rows)));
            offset += p.OutFeatures;
        }

        return new FluxTarget(style, layer.InFeatures, rows, list);
    }

    /// <summary>A diffusers-named layer: itself, all rows.</summary>
    private static FluxTarget Single(FluxPart part, FluxKeyStyle style) =>
        new(style, part.InFeatures, part.OutFeatures, new[] { (part.Identity, RowMap.Slice(0, part.OutFeatures, part.OutFeatures)) });
}
