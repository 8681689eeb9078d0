using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;

namespace LoraLego.Tests.Families;

/// <summary>One real adaptable layer: component, diffusers path, original (SGM/LDM) path, kind, flattened widths.</summary>
public sealed record RealLayer(string Component, string Path, string? OriginalPath, ModuleKind Kind, int InFeatures, int OutFeatures)
{
    /// <summary>component.path: the module name LoraLego gives the layer.</summary>
    public string Key => Component + "." + Path;
}

/// <summary>
/// The real layer paths of SD 1.x, SD 2.x and SDXL, written for the tests from the models' own
/// construction, independently of the engine's layouts: the UNet is built the way the original LDM
/// code (openaimodel.py: input_blocks with a stack of skip widths, middle_block, output_blocks that pop
/// it) builds it, and each layer is given its diffusers name from where the LDM loop is. Text encoders
/// are transformers' CLIPTextModel layers. Writers' tests check written keys against these sets.
/// </summary>
public static class RealSdLayers
{
    private sealed record UNetSpec(int ModelChannels, int[] ChannelMult, int[] Depth, int MidDepth, int Context, bool LinearProj, int AdmIn);

    private static readonly UNetSpec Sd1UNet = new(320, new[] { 1, 2, 4, 4 }, new[] { 1, 1, 1, 0 }, 1, 768, false, 0);
    private static readonly UNetSpec Sd2UNet = new(320, new[] { 1, 2, 4, 4 }, new[] { 1, 1, 1, 0 }, 1, 1024, true, 0);
    private static readonly UNetSpec SdxlUNet = new(320, new[] { 1, 2, 4 }, new[] { 0, 2, 10 }, 10, 2048, true, 2816);

    private static readonly Dictionary<ModelFamily, IReadOnlyList<RealLayer>> Cache = new();

    /// <summary>Every adaptable layer of the family (UNet and text encoders).</summary>
    public static IReadOnlyList<RealLayer> For(ModelFamily family)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(family, out var layers))
            {
                layers = family switch
                {
                    ModelFamily.StableDiffusion1 => UNet(Sd1UNet).Concat(Clip("text_encoder", 768, 3072, 12, 0)).ToList(),
                    ModelFamily.StableDiffusion2 => UNet(Sd2UNet).Concat(Clip("text_encoder", 1024, 4096, 24, 0)).ToList(),
                    ModelFamily.StableDiffusionXL => UNet(SdxlUNet).Concat(Clip("text_encoder", 768, 3072, 12, 0)).Concat(Clip("text_encoder_2", 1280, 5120, 32, 1280)).ToList(),
                    _ => throw new ArgumentException($"No SD layers for {family}."),
                };
                Cache[family] = layers;
            }

            return layers;
        }
    }

    /// <summary>kohya's key prefix for a component (sd-scripts networks/lora.py and sdxl_train_network).</summary>
    public static string KohyaPrefix(ModelFamily family, string component) => component switch
    {
        "unet" => "lora_unet_",
        "text_encoder" => family == ModelFamily.StableDiffusionXL ? "lora_te1_" : "lora_te_",
        "text_encoder_2" => "lora_te2_",
        _ => throw new ArgumentException(component),
    };

    /// <summary>
    /// The kohya module name sd-scripts writes for the layer: SD 1.x/2.x UNets in diffusers naming,
    /// SDXL's UNet in its original (SGM) naming; dots become underscores.
    /// </summary>
    public static string KohyaName(ModelFamily family, RealLayer layer)
    {
        var path = family == ModelFamily.StableDiffusionXL && layer.OriginalPath is not null ? layer.OriginalPath : layer.Path;
        return KohyaPrefix(family, layer.Component) + path.Replace('.', '_');
    }

    /// <summary>Every kohya module name a loader (ComfyUI maps both namings for every SD UNet) accepts for the family.</summary>
    public static ISet<string> AcceptedKohyaNames(ModelFamily family)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in For(family))
        {
            names.Add(KohyaPrefix(family, l.Component) + l.Path.Replace('.', '_'));
            if (l.OriginalPath is not null) names.Add(KohyaPrefix(family, l.Component) + l.OriginalPath.Replace('.', '_'));
        }

        return names;
    }

    private static IEnumerable<RealLayer> Clip(string component, int hidden, int mlp, int layers, int projection)
    {
        for (int i = 0; i < layers; i++)
        {
            foreach (var p in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
                yield return new RealLayer(component, $"text_model.encoder.layers.{i}.self_attn.{p}", null, ModuleKind.Linear, hidden, hidden);
            yield return new RealLayer(component, $"text_model.encoder.layers.{i}.mlp.fc1", null, ModuleKind.Linear, hidden, mlp);
            yield return new RealLayer(component, $"text_model.encoder.layers.{i}.mlp.fc2", null, ModuleKind.Linear, mlp, hidden);
        }

        if (projection > 0) yield return new RealLayer(component, "text_projection", null, ModuleKind.Linear, hidden, projection);
    }

    /// <summary>The LDM UNet, built as openaimodel.py builds it.</summary>
    private static IEnumerable<RealLayer> UNet(UNetSpec s)
    {
        var layers = new List<RealLayer>();
        int mc = s.ModelChannels, temb = mc * 4;
        void Conv(string path, string sgm, int cin, int cout, int k) => layers.Add(new RealLayer("unet", path, sgm, ModuleKind.Conv, cin * k * k, cout));
        void Lin(string path, string sgm, int cin, int cout) => layers.Add(new RealLayer("unet", path, sgm, ModuleKind.Linear, cin, cout));

        void Res(string d, string o, int cin, int cout)
        {
            Conv(d + ".conv1", o + ".in_layers.2", cin, cout, 3);
            Lin(d + ".time_emb_proj", o + ".emb_layers.1", temb, cout);
            Conv(d + ".conv2", o + ".out_layers.3", cout, cout, 3);
            if (cin != cout) Conv(d + ".conv_shortcut", o + ".skip_connection", cin, cout, 1);
        }

        void Transformer(string d, string o, int ch, int depth)
        {
            if (s.LinearProj) Lin(d + ".proj_in", o + ".proj_in", ch, ch); else Conv(d + ".proj_in", o + ".proj_in", ch, ch, 1);
            for (int t = 0; t < depth; t++)
            {
                string bd = $"{d}.transformer_blocks.{t}", bo = $"{o}.transformer_blocks.{t}";
                foreach (var (attn, ctx) in new[] { ("attn1", ch), ("attn2", s.Context) })
                {
                    Lin($"{bd}.{attn}.to_q", $"{bo}.{attn}.to_q", ch, ch);
                    Lin($"{bd}.{attn}.to_k", $"{bo}.{attn}.to_k", ctx, ch);
                    Lin($"{bd}.{attn}.to_v", $"{bo}.{attn}.to_v", ctx, ch);
                    Lin($"{bd}.{attn}.to_out.0", $"{bo}.{attn}.to_out.0", ch, ch);
                }

                Lin($"{bd}.ff.net.0.proj", $"{bo}.ff.net.0.proj", ch, ch * 4 * 2);
                Lin($"{bd}.ff.net.2", $"{bo}.ff.net.2", ch * 4, ch);
            }

            if (s.LinearProj) Lin(d + ".proj_out", o + ".proj_out", ch, ch); else Conv(d + ".proj_out", o + ".proj_out", ch, ch, 1);
        }

        Lin("time_embedding.linear_1", "time_embed.0", mc, temb);
        Lin("time_embedding.linear_2", "time_embed.2", temb, temb);
        if (s.AdmIn > 0)
        {
            Lin("add_embedding.linear_1", "label_emb.0.0", s.AdmIn, temb);
            Lin("add_embedding.linear_2", "label_emb.0.2", temb, temb);
        }

        Conv("conv_in", "input_blocks.0.0", 4, mc, 3);
        var skips = new Stack<int>();
        skips.Push(mc);
        int ch = mc, block = 1, levels = s.ChannelMult.Length;
        for (int level = 0; level < levels; level++)
        {
            for (int nr = 0; nr < 2; nr++, block++)
            {
                int cout = mc * s.ChannelMult[level];
                Res($"down_blocks.{level}.resnets.{nr}", $"input_blocks.{block}.0", ch, cout);
                ch = cout;
                if (s.Depth[level] > 0) Transformer($"down_blocks.{level}.attentions.{nr}", $"input_blocks.{block}.1", ch, s.Depth[level]);
                skips.Push(ch);
            }

            if (level != levels - 1)
            {
                Conv($"down_blocks.{level}.downsamplers.0.conv", $"input_blocks.{block}.0.op", ch, ch, 3);
                skips.Push(ch);
                block++;
            }
        }

        Res("mid_block.resnets.0", "middle_block.0", ch, ch);
        Transformer("mid_block.attentions.0", "middle_block.1", ch, s.MidDepth);
        Res("mid_block.resnets.1", "middle_block.2", ch, ch);

        int output = 0;
        for (int level = levels - 1; level >= 0; level--)
        {
            int up = levels - 1 - level;
            for (int i = 0; i < 3; i++, output++)
            {
                int cout = mc * s.ChannelMult[level];
                Res($"up_blocks.{up}.resnets.{i}", $"output_blocks.{output}.0", ch + skips.Pop(), cout);
                ch = cout;
                int position = 1;
                if (s.Depth[level] > 0)
                {
                    Transformer($"up_blocks.{up}.attentions.{i}", $"output_blocks.{output}.1", ch, s.Depth[level]);
                    position = 2;
                }

                if (level > 0 && i == 2) Conv($"up_blocks.{up}.upsamplers.0.conv", $"output_blocks.{output}.{position}.conv", ch, ch, 3);
            }
        }

        Conv("conv_out", "out.2", mc, 4, 3);
        return layers;
    }
}
