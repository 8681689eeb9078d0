using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using Xunit;

namespace LoraLego.Tests.Formats;

public class DiffusersReaderTests
{
    private static IEnumerable<TestTensor> Pair(string down, string up, int r, int inF, int outF, ulong seed)
    {
        yield return TestTensor.F32(down, new long[] { r, inF }, TestFiles.Values(r * inF, seed));
        yield return TestTensor.F32(up, new long[] { outF, r }, TestFiles.Values(outF * r, seed + 3));
    }

    [Fact]
    public void AttentionProcessorKeys_ScaleOne()
    {
        using var tmp = new TempFolder();
        var dir = tmp.Combine("proc");
        Directory.CreateDirectory(dir);
        const string p = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.processor";
        TestFiles.WriteSafeTensors(Path.Combine(dir, "pytorch_lora_weights.safetensors"),
            Pair(p + ".to_q_lora.down.weight", p + ".to_q_lora.up.weight", 4, 32, 32, 1)
                .Concat(Pair(p + ".to_out_lora.down.weight", p + ".to_out_lora.up.weight", 4, 32, 32, 2)));

        var adapter = AdapterLoader.Load(Path.Combine(dir, "pytorch_lora_weights.safetensors"));

        Assert.Equal(AdapterFormat.Diffusers, adapter.Format);
        Assert.Equal("proc", adapter.Name);
        // Processor names become the layers diffusers loads them into: attn1.to_q, and to_out_lora is to_out.0.
        const string layer = "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1";
        Assert.Equal(new[] { layer + ".to_out.0", layer + ".to_q" }, adapter.Modules.Select(m => m.Name));
        Assert.Equal(new[] { p + ".to_out", p + ".to_q" }, adapter.Modules.Select(m => m.StoredName));
        Assert.All(adapter.Modules, m => Assert.Equal((4.0, 1.0), (m.Alpha, m.Scale)));
        Assert.Equal(new[] { "to_out.0", "to_q" }, adapter.TargetModules);
    }

    [Fact]
    public void UnetAndTextEncoderPrefixedKeys_AllStyles()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("prefixed.safetensors");
        const string u = "unet.mid_block.attentions.0.transformer_blocks.0.attn2";
        const string t = "text_encoder.text_model.encoder.layers.0.self_attn";
        TestFiles.WriteSafeTensors(file,
            Pair(u + ".to_q.lora.down.weight", u + ".to_q.lora.up.weight", 2, 16, 16, 1)
                .Concat(Pair(u + ".to_out.0.lora.down.weight", u + ".to_out.0.lora.up.weight", 2, 16, 16, 2))
                .Concat(Pair(t + ".q_proj.lora_linear_layer.down.weight", t + ".q_proj.lora_linear_layer.up.weight", 2, 8, 8, 3))
                .Concat(Pair(t + ".k_proj.lora_A.weight", t + ".k_proj.lora_B.weight", 2, 8, 8, 4)));

        var adapter = AdapterLoader.Load(file);

        Assert.Equal(AdapterFormat.Diffusers, adapter.Format);
        Assert.Equal(new[] { t + ".k_proj", t + ".q_proj", u + ".to_out.0", u + ".to_q" }, adapter.Modules.Select(m => m.Name).OrderBy(s => s, System.StringComparer.Ordinal));
        Assert.All(adapter.Modules, m => Assert.Equal(1.0, m.Scale));
        Assert.Equal(new[] { "k_proj", "q_proj", "to_out.0", "to_q" }, adapter.TargetModules);
    }

    [Fact]
    public void NetworkAlphas_GiveAlphaOverR()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("alphas.safetensors");
        const string u = "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1";
        TestFiles.WriteSafeTensors(file,
            Pair(u + ".to_q.lora.down.weight", u + ".to_q.lora.up.weight", 8, 16, 16, 1)
                .Append(TestTensor.F32(u + ".to_q.alpha", new long[0], new[] { 4f }))
                .Concat(Pair(u + ".to_k.lora.down.weight", u + ".to_k.lora.up.weight", 8, 16, 16, 2)));

        var adapter = AdapterLoader.Load(file);
        var q = adapter.GetModule(u + ".to_q")!;
        var k = adapter.GetModule(u + ".to_k")!;
        Assert.Equal((4.0, 0.5, u + ".to_q.alpha"), (q.Alpha, q.Scale, q.AlphaKey));
        Assert.Equal((8.0, 1.0), (k.Alpha, k.Scale));
        Assert.Null(adapter.Alpha);
        Assert.Empty(adapter.ExtraTensors);
    }
}
