using System;
using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Formats.Families;

/// <summary>
/// The adaptable layers of a diffusers UNet2DConditionModel, generated from its config the way diffusers
/// builds the model (block_out_channels, layers_per_block, which blocks have cross-attention and how deep
/// their transformers are), each with its original SGM/LDM name (input_blocks / middle_block /
/// output_blocks, as ComfyUI's unet_to_diffusers and diffusers' SGM block mapping number them).
/// Norm layers are left out: LoRA adapts linear and conv layers.
/// </summary>
internal sealed class UNetLayout
{
    private readonly List<KeyValuePair<string, LayerShape>> _layers = new();
    private readonly List<KeyValuePair<string, string>> _original = new();

    /// <param name="channels">block_out_channels.</param>
    /// <param name="attentionDepth">per down block, the transformer depth of its attentions (0: no attention).</param>
    /// <param name="midDepth">the mid block's transformer depth.</param>
    /// <param name="crossAttentionDim">width of the text states attn2.to_k / to_v read.</param>
    /// <param name="linearProjection">proj_in / proj_out are linear (SD 2.x, SDXL), not 1×1 convs (SD 1.x).</param>
    /// <param name="addEmbeddingIn">SDXL's add_embedding input width (text_time), 0 when there is none.</param>
    public static ComponentLayout Build(int[] channels, int[] attentionDepth, int midDepth, int crossAttentionDim, bool linearProjection, int addEmbeddingIn, bool kohyaUsesOriginalNames)
    {
        var b = new UNetLayout();
        b.Generate(channels, attentionDepth, midDepth, crossAttentionDim, linearProjection, addEmbeddingIn);
        return new ComponentLayout(Adapters.ModelComponent.Unet, "lora_unet", b._layers, b._original, kohyaUsesOriginalNames);
    }

    private const int LayersPerBlock = 2;

    private void Generate(int[] channels, int[] depth, int midDepth, int cross, bool linear, int addIn)
    {
        int c0 = channels[0], temb = 4 * c0, n = channels.Length;
        Add("conv_in", "input_blocks.0.0", LayerShape.Conv(4, c0, 3));
        Add("time_embedding.linear_1", "time_embed.0", LayerShape.Linear(c0, temb));
        Add("time_embedding.linear_2", "time_embed.2", LayerShape.Linear(temb, temb));
        if (addIn > 0)
        {
            Add("add_embedding.linear_1", "label_emb.0.0", LayerShape.Linear(addIn, temb));
            Add("add_embedding.linear_2", "label_emb.0.2", LayerShape.Linear(temb, temb));
        }

        for (int i = 0; i < n; i++)
        {
            int input = i == 0 ? c0 : channels[i - 1], output = channels[i];
            int sgm = 1 + (i * (LayersPerBlock + 1));
            for (int j = 0; j < LayersPerBlock; j++, sgm++)
            {
                Resnet($"down_blocks.{i}.resnets.{j}", $"input_blocks.{sgm}.0", j == 0 ? input : output, output, temb);
                if (depth[i] > 0) Attention($"down_blocks.{i}.attentions.{j}", $"input_blocks.{sgm}.1", output, depth[i], cross, linear);
            }

            if (i < n - 1) Add($"down_blocks.{i}.downsamplers.0.conv", $"input_blocks.{sgm}.0.op", LayerShape.Conv(output, output, 3));
        }

        int mid = channels[n - 1];
        Resnet("mid_block.resnets.0", "middle_block.0", mid, mid, temb);
        Attention("mid_block.attentions.0", "middle_block.1", mid, midDepth, cross, linear);
        Resnet("mid_block.resnets.1", "middle_block.2", mid, mid, temb);

        var reversed = Enumerable.Reverse(channels).ToArray();
        var reversedDepth = Enumerable.Reverse(depth).ToArray();
        for (int i = 0; i < n; i++)
        {
            int prev = i == 0 ? reversed[0] : reversed[i - 1], output = reversed[i], input = reversed[Math.Min(i + 1, n - 1)];
            int sgm = i * (LayersPerBlock + 1);
            for (int j = 0; j <= LayersPerBlock; j++, sgm++)
            {
                int skip = j == LayersPerBlock ? input : output;
                int resIn = (j == 0 ? prev : output) + skip;
                Resnet($"up_blocks.{i}.resnets.{j}", $"output_blocks.{sgm}.0", resIn, output, temb);
                if (reversedDepth[i] > 0) Attention($"up_blocks.{i}.attentions.{j}", $"output_blocks.{sgm}.1", output, reversedDepth[i], cross, linear);
                if (j == LayersPerBlock && i < n - 1)
                    Add($"up_blocks.{i}.upsamplers.0.conv", $"output_blocks.{sgm}.{(reversedDepth[i] > 0 ? 2 : 1)}.conv", LayerShape.Conv(output, output, 3));
            }
        }

        Add("conv_out", "out.2", LayerShape.Conv(c0, 4, 3));
    }

    private void Resnet(string path, string sgm, int input, int output, int temb)
    {
        Add(path + ".conv1", sgm + ".in_layers.2", LayerShape.Conv(input, output, 3));
        Add(path + ".time_emb_proj", sgm + ".emb_layers.1", LayerShape.Linear(temb, output));
        Add(path + ".conv2", sgm + ".out_layers.3", LayerShape.Conv(output, output, 3));
        if (input != output) Add(path + ".conv_shortcut", sgm + ".skip_connection", LayerShape.Conv(input, output, 1));
    }

    private void Attention(string path, string sgm, int channels, int depth, int cross, bool linear)
    {
        var proj = linear ? LayerShape.Linear(channels, channels) : LayerShape.Conv(channels, channels, 1);
        Add(path + ".proj_in", sgm + ".proj_in", proj);
        for (int t = 0; t < depth; t++)
        {
            var block = $".transformer_blocks.{t}";
            foreach (var attn in new[] { ".attn1", ".attn2" })
            {
                int kv = attn == ".attn1" ? channels : cross;
                Add(path + block + attn + ".to_q", sgm + block + attn + ".to_q", LayerShape.Linear(channels, channels));
                Add(path + block + attn + ".to_k", sgm + block + attn + ".to_k", LayerShape.Linear(kv, channels));
                Add(path + block + attn + ".to_v", sgm + block + attn + ".to_v", LayerShape.Linear(kv, channels));
                Add(path + block + attn + ".to_out.0", sgm + block + attn + ".to_out.0", LayerShape.Linear(channels, channels));
            }

            // GEGLU: ff.net.0.proj gives both halves (2 · 4C), ff.net.2 brings 4C back to C.
            Add(path + block + ".ff.net.0.proj", sgm + block + ".ff.net.0.proj", LayerShape.Linear(channels, 8 * channels));
            Add(path + block + ".ff.net.2", sgm + block + ".ff.net.2", LayerShape.Linear(4 * channels, channels));
        }

        Add(path + ".proj_out", sgm + ".proj_out", proj);
    }

    private void Add(string path, string sgm, LayerShape shape)
    {
        _layers.Add(new KeyValuePair<string, LayerShape>(path, shape));
        _original.Add(new KeyValuePair<string, string>(path, sgm));
    }
}
