using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Tests.Families;

/// <summary>A linear layer of a model: path and widths (weight is [Out, In]).</summary>
internal sealed record ModelLinear(string Path, int In, int Out);

/// <summary>
/// A diffusers FluxTransformer2DModel linear layer and where its weight sits in the original (BFL)
/// checkpoint: rows [RowStart, RowStart + Out) of the BFL layer's weight, or the whole weight with its
/// two halves exchanged (HalvesSwapped: diffusers' convert_flux_to_diffusers.py swap_scale_shift).
/// </summary>
internal sealed record DiffusersFluxLinear(string Path, int In, int Out, string BflPath, int RowStart, bool HalvesSwapped);

/// <summary>
/// The linear layers of FLUX.1 dev/schnell, written here from the two model definitions and
/// independently of the engine's layout: BFL's flux/model.py (Flux: img_in, time_in, vector_in,
/// guidance_in, txt_in, 19 DoubleStreamBlock, 38 SingleStreamBlock, LastLayer) with
/// hidden_size 3072, mlp_ratio 4, in_channels 64, context_in_dim 4096, vec_in_dim 768 and 256-wide
/// timestep features; and diffusers' transformer_flux.py (FluxTransformerBlock, FluxSingleTransformerBlock,
/// CombinedTimestepGuidanceTextProjEmbeddings, AdaLayerNormContinuous) converted as
/// scripts/convert_flux_to_diffusers.py does (q, k, v = chunk(qkv, 3); linear1 split 3072/3072/3072/12288).
/// </summary>
internal static class FluxModelLayers
{
    private const int Dim = 3072;
    private const int Mlp = Dim * 4;

    /// <summary>Every linear layer of BFL's Flux, by its state-dict name without ".weight".</summary>
    public static IReadOnlyList<ModelLinear> Bfl()
    {
        var list = new List<ModelLinear>();
        for (int n = 0; n < 19; n++)
        {
            foreach (var stream in new[] { "img", "txt" })
            {
                // Modulation(double=True): Linear(dim, 6·dim); SelfAttention: qkv Linear(dim, 3·dim), proj Linear(dim, dim);
                // mlp = Sequential(Linear(dim, mlp), GELU, Linear(mlp, dim)).
                list.Add(new ModelLinear($"double_blocks.{n}.{stream}_mod.lin", Dim, 6 * Dim));
                list.Add(new ModelLinear($"double_blocks.{n}.{stream}_attn.qkv", Dim, 3 * Dim));
                list.Add(new ModelLinear($"double_blocks.{n}.{stream}_attn.proj", Dim, Dim));
                list.Add(new ModelLinear($"double_blocks.{n}.{stream}_mlp.0", Dim, Mlp));
                list.Add(new ModelLinear($"double_blocks.{n}.{stream}_mlp.2", Mlp, Dim));
            }
        }

        for (int n = 0; n < 38; n++)
        {
            list.Add(new ModelLinear($"single_blocks.{n}.linear1", Dim, (3 * Dim) + Mlp));
            list.Add(new ModelLinear($"single_blocks.{n}.linear2", Dim + Mlp, Dim));
            list.Add(new ModelLinear($"single_blocks.{n}.modulation.lin", Dim, 3 * Dim));
        }

        list.Add(new ModelLinear("img_in", 64, Dim));
        list.Add(new ModelLinear("txt_in", 4096, Dim));
        foreach (var (embedder, inDim) in new[] { ("time_in", 256), ("vector_in", 768), ("guidance_in", 256) })
        {
            list.Add(new ModelLinear(embedder + ".in_layer", inDim, Dim));
            list.Add(new ModelLinear(embedder + ".out_layer", Dim, Dim));
        }

        list.Add(new ModelLinear("final_layer.linear", Dim, 64));
        list.Add(new ModelLinear("final_layer.adaLN_modulation.1", Dim, 2 * Dim));
        return list;
    }

    /// <summary>Every linear layer of diffusers' FluxTransformer2DModel with its place in the BFL checkpoint.</summary>
    public static IReadOnlyList<DiffusersFluxLinear> Diffusers()
    {
        var list = new List<DiffusersFluxLinear>();
        void Add(string path, int inF, int outF, string bfl, int rowStart = 0, bool swapped = false) =>
            list.Add(new DiffusersFluxLinear(path, inF, outF, bfl, rowStart, swapped));

        for (int n = 0; n < 19; n++)
        {
            string t = $"transformer_blocks.{n}.", d = $"double_blocks.{n}.";
            Add(t + "norm1.linear", Dim, 6 * Dim, d + "img_mod.lin");
            Add(t + "norm1_context.linear", Dim, 6 * Dim, d + "txt_mod.lin");
            Add(t + "attn.to_q", Dim, Dim, d + "img_attn.qkv", 0);
            Add(t + "attn.to_k", Dim, Dim, d + "img_attn.qkv", Dim);
            Add(t + "attn.to_v", Dim, Dim, d + "img_attn.qkv", 2 * Dim);
            Add(t + "attn.add_q_proj", Dim, Dim, d + "txt_attn.qkv", 0);
            Add(t + "attn.add_k_proj", Dim, Dim, d + "txt_attn.qkv", Dim);
            Add(t + "attn.add_v_proj", Dim, Dim, d + "txt_attn.qkv", 2 * Dim);
            Add(t + "attn.to_out.0", Dim, Dim, d + "img_attn.proj");
            Add(t + "attn.to_add_out", Dim, Dim, d + "txt_attn.proj");
            Add(t + "ff.net.0.proj", Dim, Mlp, d + "img_mlp.0");
            Add(t + "ff.net.2", Mlp, Dim, d + "img_mlp.2");
            Add(t + "ff_context.net.0.proj", Dim, Mlp, d + "txt_mlp.0");
            Add(t + "ff_context.net.2", Mlp, Dim, d + "txt_mlp.2");
        }

        for (int n = 0; n < 38; n++)
        {
            string t = $"single_transformer_blocks.{n}.", s = $"single_blocks.{n}.";
            Add(t + "attn.to_q", Dim, Dim, s + "linear1", 0);
            Add(t + "attn.to_k", Dim, Dim, s + "linear1", Dim);
            Add(t + "attn.to_v", Dim, Dim, s + "linear1", 2 * Dim);
            Add(t + "proj_mlp", Dim, Mlp, s + "linear1", 3 * Dim);
            Add(t + "proj_out", Dim + Mlp, Dim, s + "linear2");
            Add(t + "norm.linear", Dim, 3 * Dim, s + "modulation.lin");
        }

        Add("x_embedder", 64, Dim, "img_in");
        Add("context_embedder", 4096, Dim, "txt_in");
        Add("time_text_embed.timestep_embedder.linear_1", 256, Dim, "time_in.in_layer");
        Add("time_text_embed.timestep_embedder.linear_2", Dim, Dim, "time_in.out_layer");
        Add("time_text_embed.guidance_embedder.linear_1", 256, Dim, "guidance_in.in_layer");
        Add("time_text_embed.guidance_embedder.linear_2", Dim, Dim, "guidance_in.out_layer");
        Add("time_text_embed.text_embedder.linear_1", 768, Dim, "vector_in.in_layer");
        Add("time_text_embed.text_embedder.linear_2", Dim, Dim, "vector_in.out_layer");
        Add("norm_out.linear", Dim, 2 * Dim, "final_layer.adaLN_modulation.1", 0, swapped: true);
        Add("proj_out", Dim, 64, "final_layer.linear");
        return list;
    }

    /// <summary>BFL row of diffusers row <paramref name="row"/> of <paramref name="layer"/>.</summary>
    public static int BflRow(DiffusersFluxLinear layer, int row) =>
        layer.HalvesSwapped ? (row + (layer.Out / 2)) % layer.Out : layer.RowStart + row;

    /// <summary>The kohya (sd-scripts, ComfyUI lora_unet_) name of a BFL layer.</summary>
    public static string Kohya(string bflPath) => "lora_unet_" + bflPath.Replace('.', '_');

    public static ModelLinear BflLayer(string path) => Bfl().Single(l => l.Path == path);
}
