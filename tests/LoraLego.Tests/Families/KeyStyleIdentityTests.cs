using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Families;

/// <summary>Every SD key style maps to the layer's identity, and one LoRA in every style has the same modules and deltas.</summary>
public class KeyStyleIdentityTests
{
    private static readonly string[] Sd1Paths =
    {
        "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q",
        "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0",
        "unet.down_blocks.1.attentions.1.transformer_blocks.0.attn2.to_k",
        "unet.up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_v",
        "unet.mid_block.attentions.0.transformer_blocks.0.attn1.to_v",
        "text_encoder.text_model.encoder.layers.0.self_attn.q_proj",
        "text_encoder.text_model.encoder.layers.11.self_attn.out_proj",
    };

    private static readonly string[] Sd1OtherLayers =
    {
        "unet.down_blocks.0.resnets.0.conv1",
        "unet.up_blocks.1.resnets.2.conv_shortcut",
        "unet.down_blocks.2.attentions.0.proj_in",
        "unet.mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj",
        "text_encoder.text_model.encoder.layers.5.mlp.fc1",
    };

    internal static SdLora Lora(ModelFamily family, IEnumerable<string> keys, ulong seed = 11, int rank = 2, double alpha = 1) =>
        new(family, keys.Select(k => RealSdLayers.For(family).Single(l => l.Key == k)), rank, alpha, seed);

    public static TheoryData<SdKeyStyle, DiffusersAlpha> Styles()
    {
        var data = new TheoryData<SdKeyStyle, DiffusersAlpha>();
        data.Add(SdKeyStyle.Kohya, DiffusersAlpha.NetworkAlphas);
        foreach (var s in new[] { SdKeyStyle.DiffusersProcessor, SdKeyStyle.DiffusersLora, SdKeyStyle.DiffusersLinearLayer, SdKeyStyle.DiffusersPeft })
        {
            data.Add(s, DiffusersAlpha.NetworkAlphas);
            data.Add(s, DiffusersAlpha.PrefixedMetadata);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Styles))]
    public void Sd1_EveryStyle_GivesIdentitiesAndDeltas(SdKeyStyle style, DiffusersAlpha alpha)
    {
        using var tmp = new TempFolder();
        var lora = Lora(ModelFamily.StableDiffusion1, Sd1Paths);
        var adapter = AdapterLoader.Load(lora.WriteFile(tmp.Combine("sd1.safetensors"), style, alpha));

        Assert.Equal(ModelFamily.StableDiffusion1, adapter.Family);
        Assert.Equal(new[] { "text_encoder", "unet" }, adapter.Components);
        Assert.Empty(adapter.Warnings);
        Assert.Equal(Sd1Paths.OrderBy(k => k, StringComparer.Ordinal), adapter.Modules.Select(m => m.Name).OrderBy(k => k, StringComparer.Ordinal));
        AssertDeltas(lora, adapter);
    }

    [Theory]
    [InlineData(SdKeyStyle.Kohya)]
    [InlineData(SdKeyStyle.KohyaSgm)]
    [InlineData(SdKeyStyle.DiffusersLora)]
    public void Sd1_ConvAndFeedForwardLayers_MapInKohyaAndDiffusers(SdKeyStyle style)
    {
        using var tmp = new TempFolder();
        var lora = Lora(ModelFamily.StableDiffusion1, Sd1OtherLayers);
        var adapter = AdapterLoader.Load(lora.WriteFile(tmp.Combine("sd1.safetensors"), style));
        Assert.Equal(ModelFamily.StableDiffusion1, adapter.Family);
        Assert.Equal(Sd1OtherLayers.OrderBy(k => k, StringComparer.Ordinal), adapter.Modules.Select(m => m.Name).OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(ModuleKind.Conv, adapter.GetModule("unet.down_blocks.0.resnets.0.conv1")!.Kind);
        AssertDeltas(lora, adapter);
    }

    [Fact]
    public void PeftUnetFolder_MatchesKohyaAndDiffusers_NamesAndDeltas()
    {
        using var tmp = new TempFolder();
        var unet = Sd1Paths.Where(p => p.StartsWith("unet.")).ToArray();
        var lora = Lora(ModelFamily.StableDiffusion1, unet);
        var peft = AdapterLoader.Load(lora.WritePeftFolder(tmp.Combine("peft"), "unet"));
        var kohya = AdapterLoader.Load(lora.WriteFile(tmp.Combine("k.safetensors"), SdKeyStyle.Kohya));
        var diffusers = AdapterLoader.Load(lora.WriteFile(tmp.Combine("d.safetensors"), SdKeyStyle.DiffusersProcessor));

        Assert.Equal(ModelFamily.StableDiffusion1, peft.Family);
        Assert.Equal(new[] { "unet" }, peft.Components);
        Assert.Equal(kohya.Modules.Select(m => m.Name), peft.Modules.Select(m => m.Name));
        Assert.Equal(diffusers.Modules.Select(m => m.Name), peft.Modules.Select(m => m.Name));
        Assert.Equal("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0", peft.GetModule(unet[1])!.StoredName);
        foreach (var a in new[] { peft, kohya, diffusers }) AssertDeltas(lora, a);
    }

    [Fact]
    public void PeftFolder_VsDiffusersMetadata_r4Alpha16_SameDeltas()
    {
        using var tmp = new TempFolder();
        var unet = Sd1Paths.Where(p => p.StartsWith("unet.")).ToArray();
        var lora = Lora(ModelFamily.StableDiffusion1, unet, rank: 4, alpha: 16);
        var peft = AdapterLoader.Load(lora.WritePeftFolder(tmp.Combine("peft"), "unet"));
        foreach (var md in new[] { DiffusersAlpha.PrefixedMetadata, DiffusersAlpha.PlainMetadata })
        {
            var diffusers = AdapterLoader.Load(lora.WriteFile(tmp.Combine($"{md}.safetensors"), SdKeyStyle.DiffusersPeft, md));
            Assert.All(diffusers.Modules, m => Assert.Equal((16.0, 4.0), (m.Alpha, m.Scale)));
            foreach (var m in peft.Modules)
            {
                var d = diffusers.GetModule(m.Name)!;
                Assert.True(Dense.RelativeError(Dense.Delta(d.ReadUnits()), Dense.Delta(m.ReadUnits())) < 1e-12, m.Name);
            }
        }
    }

    [Fact]
    public void DiffusersMetadata_AlphaPatternAndRsLora()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("pattern.safetensors");
        var lora = Lora(ModelFamily.StableDiffusion1, Sd1Paths.Take(2), rank: 4, alpha: 8);
        lora.WriteFile(file, SdKeyStyle.DiffusersPeft, DiffusersAlpha.PrefixedMetadata);
        // Rewrite the metadata: alpha 8 by default, 2 for attn1.to_q via alpha_pattern, rsLoRA on.
        var tensors = LoraLego.SafeTensors.SafeTensorFile.Open(file);
        var data = tensors.Tensors.Select(t => new TestTensor(t.Name, "F32", t.Shape.ToArray(), tensors.ReadFloat32(t.Name))).ToList();
        File.Delete(file);
        TestFiles.WriteSafeTensors(file, data, new Dictionary<string, string>
        {
            ["lora_adapter_metadata"] = "{\"unet.r\": 4, \"unet.lora_alpha\": 8, \"unet.use_rslora\": true, \"unet.alpha_pattern\": {\"attn1.to_q\": 2}, \"unet.peft_type\": \"LORA\"}",
        });

        var adapter = AdapterLoader.Load(file);
        Assert.Equal((2.0, 1.0), (adapter.GetModule(Sd1Paths[0])!.Alpha, adapter.GetModule(Sd1Paths[0])!.Scale));
        Assert.Equal((8.0, 4.0), (adapter.GetModule(Sd1Paths[1])!.Alpha, adapter.GetModule(Sd1Paths[1])!.Scale));
        Assert.True(adapter.UseRsLora);
    }

    [Fact]
    public void Sdxl_KohyaSgm_And_DiffusersNames_AreTheSameLayers()
    {
        using var tmp = new TempFolder();
        var keys = new[]
        {
            "unet.down_blocks.1.attentions.0.transformer_blocks.1.attn1.to_q",
            "unet.down_blocks.2.attentions.1.transformer_blocks.9.attn2.to_k",
            "unet.mid_block.attentions.0.transformer_blocks.3.ff.net.2",
            "unet.up_blocks.0.attentions.2.transformer_blocks.0.attn2.to_out.0",
            "unet.up_blocks.1.upsamplers.0.conv",
            "unet.down_blocks.0.downsamplers.0.conv",
            "unet.add_embedding.linear_1",
            "text_encoder.text_model.encoder.layers.3.self_attn.k_proj",
            "text_encoder_2.text_model.encoder.layers.31.mlp.fc2",
            "text_encoder_2.text_model.encoder.layers.3.self_attn.k_proj",
        };
        var lora = Lora(ModelFamily.StableDiffusionXL, keys);
        var sgm = AdapterLoader.Load(lora.WriteFile(tmp.Combine("sgm.safetensors"), SdKeyStyle.KohyaSgm));
        var diffusers = AdapterLoader.Load(lora.WriteFile(tmp.Combine("d.safetensors"), SdKeyStyle.DiffusersLora));

        foreach (var a in new[] { sgm, diffusers })
        {
            Assert.Equal(ModelFamily.StableDiffusionXL, a.Family);
            Assert.Equal(new[] { "text_encoder", "text_encoder_2", "unet" }, a.Components);
            Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), a.Modules.Select(m => m.Name).OrderBy(k => k, StringComparer.Ordinal));
            AssertDeltas(lora, a);
        }

        Assert.Equal("lora_unet_input_blocks_4_1_transformer_blocks_1_attn1_to_q", sgm.GetModule(keys[0])!.StoredName);
        Assert.Equal("lora_te2_text_model_encoder_layers_31_mlp_fc2", sgm.GetModule(keys[8])!.StoredName);
    }

    [Fact]
    public void Sdxl_TextEncoder2PeftFolder_ToldFromTe1ByWidth()
    {
        using var tmp = new TempFolder();
        var te2 = Lora(ModelFamily.StableDiffusionXL, new[] { "text_encoder_2.text_model.encoder.layers.0.self_attn.q_proj", "text_encoder_2.text_model.encoder.layers.1.mlp.fc1" });
        var te1 = Lora(ModelFamily.StableDiffusionXL, new[] { "text_encoder.text_model.encoder.layers.0.self_attn.q_proj" });
        var a2 = AdapterLoader.Load(te2.WritePeftFolder(tmp.Combine("te2"), "text_encoder_2"));
        var a1 = AdapterLoader.Load(te1.WritePeftFolder(tmp.Combine("te1"), "text_encoder"));

        Assert.Equal(ModelFamily.StableDiffusionXL, a2.Family);
        Assert.Equal(new[] { "text_encoder_2" }, a2.Components);
        Assert.Equal("text_encoder_2.text_model.encoder.layers.0.self_attn.q_proj", a2.Modules[0].Name);
        // 768 wide: CLIP ViT-L, text_encoder of SD 1.x or SDXL alike; it stays compatible with both.
        Assert.Equal(new[] { "text_encoder" }, a1.Components);
        Assert.Contains(ModelFamily.StableDiffusionXL, a1.CompatibleFamilies);
        Assert.Contains(ModelFamily.StableDiffusion1, a1.CompatibleFamilies);
    }

    [Fact]
    public void Sd2_ToldFromSd1_ByCrossAttentionWidth()
    {
        using var tmp = new TempFolder();
        var keys = new[] { "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k", "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q" };
        var sd2 = AdapterLoader.Load(Lora(ModelFamily.StableDiffusion2, keys).WriteFile(tmp.Combine("sd2.safetensors"), SdKeyStyle.Kohya));
        var sd1 = AdapterLoader.Load(Lora(ModelFamily.StableDiffusion1, keys).WriteFile(tmp.Combine("sd1.safetensors"), SdKeyStyle.Kohya));
        Assert.Equal(ModelFamily.StableDiffusion2, sd2.Family);
        Assert.Equal(new[] { ModelFamily.StableDiffusion2 }, sd2.CompatibleFamilies);
        Assert.Equal(ModelFamily.StableDiffusion1, sd1.Family);
        Assert.Equal(sd1.Modules.Select(m => m.Name), sd2.Modules.Select(m => m.Name));
    }

    [Fact]
    public void SomeKeysUnmapped_Warns_NamingThem_AndKeepsStoredNames()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("partly.safetensors");
        var lora = Lora(ModelFamily.StableDiffusion1, Sd1Paths.Take(1));
        lora.WriteFile(file, SdKeyStyle.Kohya);
        var f = LoraLego.SafeTensors.SafeTensorFile.Open(file);
        var data = f.Tensors.Select(t => new TestTensor(t.Name, "F32", t.Shape.ToArray(), f.ReadFloat32(t.Name))).ToList();
        data.Add(TestTensor.F32("lora_unet_down_blocks_7_mystery.lora_down.weight", new long[] { 2, 8 }, TestFiles.Values(16, 5)));
        data.Add(TestTensor.F32("lora_unet_down_blocks_7_mystery.lora_up.weight", new long[] { 8, 2 }, TestFiles.Values(16, 6)));
        File.Delete(file);
        TestFiles.WriteSafeTensors(file, data);

        var adapter = AdapterLoader.Load(file);
        Assert.Equal(ModelFamily.StableDiffusion1, adapter.Family);
        var mystery = adapter.GetModule("lora_unet_down_blocks_7_mystery")!;
        Assert.Equal(ModelFamily.Unknown, mystery.Identity.Family);
        var warning = Assert.Single(adapter.Warnings);
        Assert.Contains("lora_unet_down_blocks_7_mystery", warning);
        Assert.Contains("StableDiffusion1", warning);
    }

    [Fact]
    public void NoKeyMapped_IsUnknown_StoredNames_NoGuess()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("odd.safetensors");
        TestFiles.WriteSafeTensors(file, new[]
        {
            TestTensor.F32("lora_unet_blocks_3_attn_qkv.lora_down.weight", new long[] { 2, 8 }, TestFiles.Values(16, 5)),
            TestTensor.F32("lora_unet_blocks_3_attn_qkv.lora_up.weight", new long[] { 8, 2 }, TestFiles.Values(16, 6)),
        });
        var adapter = AdapterLoader.Load(file);
        Assert.Equal(ModelFamily.Unknown, adapter.Family);
        Assert.Empty(adapter.Components);
        Assert.Equal("lora_unet_blocks_3_attn_qkv", adapter.Modules.Single().Name);
        Assert.Empty(adapter.Warnings);
    }

    internal static void AssertDeltas(SdLora lora, LoraAdapter adapter)
    {
        for (int i = 0; i < lora.Layers.Count; i++)
        {
            var m = adapter.GetModule(lora.Layers[i].Key);
            Assert.True(m is not null, $"{adapter.Name}: no module {lora.Layers[i].Key} (has {string.Join(", ", adapter.Modules.Select(x => x.Name))})");
            var err = Dense.RelativeError(Dense.Delta(m!.ReadUnits()), lora.Delta(i));
            Assert.True(err < 1e-6, $"{adapter.Name} {m.Name}: relative error {err}");
        }
    }
}
