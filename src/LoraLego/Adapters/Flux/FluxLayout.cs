using System;
using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Adapters.Flux;

/// <summary>A layer of diffusers' FluxTransformer2DModel that is all or part of a BFL layer.</summary>
public sealed class FluxPart
{
    internal FluxPart(string path, int inFeatures, RowMap rows, FluxLayer layer)
    {
        Path = path;
        InFeatures = inFeatures;
        Rows = rows;
        Layer = layer;
    }

    /// <summary>The diffusers path inside the transformer (transformer_blocks.0.attn.to_q).</summary>
    public string Path { get; }

    public int InFeatures { get; }

    public int OutFeatures => Rows.PartRows;

    /// <summary>Which rows of the BFL layer's output this layer produces.</summary>
    public RowMap Rows { get; }

    /// <summary>The BFL layer this is (part of).</summary>
    public FluxLayer Layer { get; }

    public ModuleIdentity Identity => FluxLayout.Identity(Path);

    public override string ToString() => $"{Path} = {Layer.BflPath} {Rows}";
}

/// <summary>A layer of the original (BFL) Flux model: one fused layer or a renamed diffusers layer.</summary>
public sealed class FluxLayer
{
    private readonly List<FluxPart> _parts = new();

    internal FluxLayer(string bflPath, int inFeatures, int outFeatures)
    {
        BflPath = bflPath;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    /// <summary>The BFL path (double_blocks.0.img_attn.qkv), as ComfyUI, kohya and the BFL checkpoint name it.</summary>
    public string BflPath { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>The diffusers layers it is made of, in row order (one for a renamed layer).</summary>
    public IReadOnlyList<FluxPart> Parts => _parts;

    /// <summary>More than one diffusers layer (qkv, linear1).</summary>
    public bool IsFused => _parts.Count > 1;

    internal FluxLayer Add(string path, RowMap rows)
    {
        _parts.Add(new FluxPart(path, InFeatures, rows, this));
        return this;
    }

    public override string ToString() => $"{BflPath} [{OutFeatures}×{InFeatures}] = {string.Join(" + ", _parts.Select(p => p.Path))}";
}

/// <summary>
/// The FLUX.1 (dev / schnell) transformer in both namings: BFL's original layers (fused qkv and linear1)
/// and diffusers' FluxTransformer2DModel (split to_q/to_k/to_v, proj_mlp), with the rows each split
/// layer takes of the fused one. Widths are FLUX.1's: hidden 3072, MLP 12288, 19 double and 38 single
/// blocks, T5 context 4096, 64 latent channels, CLIP pooled vector 768, 256-wide timestep features.
/// Module identity is the diffusers path in component "transformer". Rows as in diffusers'
/// lora_conversion_utils (_convert_bfl_flux_control_lora_to_diffusers, kohya's split dims
/// [3072, 3072, 3072, 12288]) and ComfyUI's comfy/utils.py flux_to_diffusers.
/// </summary>
public static class FluxLayout
{
    public const int Hidden = 3072;
    public const int MlpHidden = 12288;
    public const int DoubleBlocks = 19;
    public const int SingleBlocks = 38;
    public const int ContextWidth = 4096;
    public const int InChannels = 64;
    public const int VectorWidth = 768;
    public const int TimestepWidth = 256;

    private static readonly Lazy<Tables> Table = new(Build);

    /// <summary>Every BFL layer, double blocks first, then single blocks, then the layers outside the blocks.</summary>
    public static IReadOnlyList<FluxLayer> Layers => Table.Value.Layers;

    /// <summary>Every diffusers layer, in the order of <see cref="Layers"/>.</summary>
    public static IReadOnlyList<FluxPart> Parts => Table.Value.Parts;

    public static FluxLayer? ByBflPath(string bflPath) => Table.Value.ByBfl.TryGetValue(bflPath, out var l) ? l : null;

    public static FluxPart? ByDiffusersPath(string path) => Table.Value.ByDiffusers.TryGetValue(path, out var p) ? p : null;

    /// <summary>The identity of a diffusers transformer layer (family Flux1, component transformer).</summary>
    public static ModuleIdentity Identity(string diffusersPath) => new(ModelFamily.Flux1, ModelComponent.Transformer, diffusersPath);

    /// <summary>The split layer an identity names, when it is a FLUX.1 transformer layer.</summary>
    public static FluxPart? PartOf(ModuleIdentity identity) =>
        identity.Component == ModelComponent.Transformer && (identity.Family is ModelFamily.Flux1 or ModelFamily.Unknown) ? ByDiffusersPath(identity.Path) : null;

    private static Tables Build()
    {
        var layers = new List<FluxLayer>();
        FluxLayer Plain(string bfl, int inF, int outF, string diffusers)
        {
            var l = new FluxLayer(bfl, inF, outF).Add(diffusers, RowMap.Slice(0, outF, outF));
            layers.Add(l);
            return l;
        }

        FluxLayer Fused(string bfl, int inF, params (string Path, int Rows)[] parts)
        {
            int outF = parts.Sum(p => p.Rows);
            var l = new FluxLayer(bfl, inF, outF);
            int offset = 0;
            foreach (var (path, rows) in parts)
            {
                l.Add(path, RowMap.Slice(offset, rows, outF));
                offset += rows;
            }

            layers.Add(l);
            return l;
        }

        const int H = Hidden;
        for (int i = 0; i < DoubleBlocks; i++)
        {
            string b = $"double_blocks.{i}.", t = $"transformer_blocks.{i}.";
            Plain(b + "img_mod.lin", H, 6 * H, t + "norm1.linear");
            Fused(b + "img_attn.qkv", H, (t + "attn.to_q", H), (t + "attn.to_k", H), (t + "attn.to_v", H));
            Plain(b + "img_attn.proj", H, H, t + "attn.to_out.0");
            Plain(b + "img_mlp.0", H, MlpHidden, t + "ff.net.0.proj");
            Plain(b + "img_mlp.2", MlpHidden, H, t + "ff.net.2");
            Plain(b + "txt_mod.lin", H, 6 * H, t + "norm1_context.linear");
            Fused(b + "txt_attn.qkv", H, (t + "attn.add_q_proj", H), (t + "attn.add_k_proj", H), (t + "attn.add_v_proj", H));
            Plain(b + "txt_attn.proj", H, H, t + "attn.to_add_out");
            Plain(b + "txt_mlp.0", H, MlpHidden, t + "ff_context.net.0.proj");
            Plain(b + "txt_mlp.2", MlpHidden, H, t + "ff_context.net.2");
        }

        for (int i = 0; i < SingleBlocks; i++)
        {
            string b = $"single_blocks.{i}.", t = $"single_transformer_blocks.{i}.";
            Fused(b + "linear1", H, (t + "attn.to_q", H), (t + "attn.to_k", H), (t + "attn.to_v", H), (t + "proj_mlp", MlpHidden));
            Plain(b + "linear2", H + MlpHidden, H, t + "proj_out");
            Plain(b + "modulation.lin", H, 3 * H, t + "norm.linear");
        }

        Plain("img_in", InChannels, H, "x_embedder");
        Plain("txt_in", ContextWidth, H, "context_embedder");
        Plain("time_in.in_layer", TimestepWidth, H, "time_text_embed.timestep_embedder.linear_1");
        Plain("time_in.out_layer", H, H, "time_text_embed.timestep_embedder.linear_2");
        Plain("vector_in.in_layer", VectorWidth, H, "time_text_embed.text_embedder.linear_1");
        Plain("vector_in.out_layer", H, H, "time_text_embed.text_embedder.linear_2");
        Plain("guidance_in.in_layer", TimestepWidth, H, "time_text_embed.guidance_embedder.linear_1");
        Plain("guidance_in.out_layer", H, H, "time_text_embed.guidance_embedder.linear_2");
        Plain("final_layer.linear", H, InChannels, "proj_out");

        // BFL's LastLayer chunks its modulation as (shift, scale); diffusers' AdaLayerNormContinuous as
        // (scale, shift): the same rows with the halves exchanged (diffusers' and ComfyUI's swap_scale_shift).
        var final = new FluxLayer("final_layer.adaLN_modulation.1", H, 2 * H).Add("norm_out.linear", RowMap.SwapHalves(2 * H));
        layers.Add(final);

        var parts = layers.SelectMany(l => l.Parts).ToList();
        return new Tables(
            layers,
            parts,
            layers.ToDictionary(l => l.BflPath, StringComparer.Ordinal),
            parts.ToDictionary(p => p.Path, StringComparer.Ordinal));
    }

    private sealed class Tables
    {
        public Tables(IReadOnlyList<FluxLayer> layers, IReadOnlyList<FluxPart> parts, Dictionary<string, FluxLayer> byBfl, Dictionary<string, FluxPart> byDiffusers)
        {
            Layers = layers;
            Parts = parts;
            ByBfl = byBfl;
            ByDiffusers = byDiffusers;
        }

        public IReadOnlyList<FluxLayer> Layers { get; }

        public IReadOnlyList<FluxPart> Parts { get; }

        public Dictionary<string, FluxLayer> ByBfl { get; }

        public Dictionary<string, FluxPart> ByDiffusers { get; }
    }
}
