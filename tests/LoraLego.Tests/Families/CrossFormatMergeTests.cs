using System;
using System.IO;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats;
using LoraLego.Merging;
using LoraLego.Pipeline;
using LoraLego.Tests.Formats;
using LoraLego.Tests.Pipeline;
using Xunit;

namespace LoraLego.Tests.Families;

/// <summary>Adapters of one base in different formats meet module for module; adapters of different families are refused.</summary>
public class CrossFormatMergeTests
{
    private static readonly string[] First =
    {
        "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q",
        "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0",
        "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k",
        "text_encoder.text_model.encoder.layers.2.self_attn.v_proj",
    };

    private static readonly string[] Second =
    {
        "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q",
        "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_out.0",
        "unet.up_blocks.2.attentions.1.transformer_blocks.0.attn1.to_v",
        "text_encoder.text_model.encoder.layers.2.self_attn.v_proj",
    };

    [Theory]
    [InlineData(SdKeyStyle.DiffusersProcessor)]
    [InlineData(SdKeyStyle.DiffusersLora)]
    [InlineData(SdKeyStyle.DiffusersPeft)]
    public void KohyaPlusDiffusers_ConcatIsTheSum_ModuleForModule(SdKeyStyle diffusersStyle)
    {
        using var tmp = new TempFolder();
        var a = KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusion1, First, seed: 101, rank: 2, alpha: 1);
        var b = KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusion1, Second, seed: 202, rank: 3, alpha: 3);
        var kohya = AdapterLoader.Load(a.WriteFile(tmp.Combine("kohya.safetensors"), SdKeyStyle.Kohya));
        var diffusers = AdapterLoader.Load(b.WriteFile(tmp.Combine("diffusers.safetensors"), diffusersStyle));

        var collector = PipelineHarness.Collect(PipelineHarness.Split(new[] { kohya, diffusers }));
        var concat = MergeMethodRegistry.Get("Concat");
        var options = new MergeOptions();
        var blocks = collector.Pools.ToDictionary(p => p.Module, p => MergeStage.MergeModule(p, concat, options, CancellationToken.None));
        var outputs = collector.Pools.Select(p => MergeStage.OutputFor(p, blocks[p.Module].Count)).ToList();
        var target = tmp.Combine("merged.safetensors");
        AdapterWriter.Write(target, outputs, (o, _) => blocks[o.Name], new AdapterWriteOptions { Format = AdapterFormat.Kohya, Sources = MergeStage.Sources(collector) });
        var merged = AdapterLoader.Load(target);

        Assert.Equal(ModelFamily.StableDiffusion1, merged.Family);
        Assert.Equal(First.Union(Second).OrderBy(k => k, StringComparer.Ordinal), merged.Modules.Select(m => m.Name).OrderBy(k => k, StringComparer.Ordinal));
        foreach (var m in merged.Modules)
        {
            int ia = Array.IndexOf(First, m.Name), ib = Array.IndexOf(Second, m.Name);
            var expected = ia >= 0 && ib >= 0 ? a.Delta(ia) + b.Delta(ib) : ia >= 0 ? a.Delta(ia) : b.Delta(ib);
            Assert.Equal((ia >= 0 ? 2 : 0) + (ib >= 0 ? 3 : 0), m.Rank);
            var err = Dense.RelativeError(Dense.Delta(m), expected);
            Assert.True(err < 1e-6, $"{m.Name}: relative error {err}");
        }
    }

    [Fact]
    public void Sd1WithSdxl_IsModelFamilyMismatch_NamingBoth()
    {
        using var tmp = new TempFolder();
        var sd1 = AdapterLoader.Load(KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusion1, First.Take(1)).WriteFile(tmp.Combine("sd1.safetensors"), SdKeyStyle.Kohya));
        // attn2.to_k takes the text width (2048 in SDXL): only SDXL fits. (attn1 alone would fit SD 1.x and SDXL alike.)
        var sdxl = AdapterLoader.Load(KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusionXL, new[] { "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k" })
            .WriteFile(tmp.Combine("sdxl.safetensors"), SdKeyStyle.KohyaSgm));
        Assert.Equal(new[] { ModelFamily.StableDiffusionXL }, sdxl.CompatibleFamilies);

        var e = Assert.Throws<AdapterException>(() => PipelineHarness.Collect(PipelineHarness.Split(new[] { sd1, sdxl })));
        Assert.Equal("ModelFamilyMismatch", e.ErrorId);
        Assert.Equal(LoraErrorCategory.InvalidData, e.Category);
        Assert.Contains("'sdxl' is StableDiffusionXL (Kohya)", e.Message);
        Assert.Contains("'sd1' is StableDiffusion1 (Kohya)", e.Message);
        Assert.Throws<AdapterException>(() => FamilyCheck.EnsureCompatible(new[] { sdxl, sd1 }));
    }

    [RealFixtureFact]
    public void TransformersWithStableDiffusion_IsModelFamilyMismatch()
    {
        var gpt2 = AdapterLoader.Load(RealFixtures.Folder("gpt2/tigrinya"));
        var unet = AdapterLoader.Load(RealFixtures.Folder("sd15-unet/flowers"));
        var e = Assert.Throws<AdapterException>(() => FamilyCheck.EnsureCompatible(new[] { gpt2, unet }));
        Assert.Equal("ModelFamilyMismatch", e.ErrorId);
        Assert.Contains("Transformers", e.Message);
        Assert.Contains("StableDiffusion1", e.Message);
    }

    [Fact]
    public void UnknownWithKnown_RefusedUnlessKeysMatch_UnknownWithUnknown_Allowed()
    {
        using var tmp = new TempFolder();
        var sd1 = AdapterLoader.Load(KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusion1, First.Take(1)).WriteFile(tmp.Combine("sd1.safetensors"), SdKeyStyle.Kohya));
        string Odd(string name, ulong seed)
        {
            var file = tmp.Combine(name + ".safetensors");
            TestFiles.WriteSafeTensors(file, new[]
            {
                TestTensor.F32("lora_unet_blocks_3_attn_qkv.lora_down.weight", new long[] { 2, 8 }, TestFiles.Values(16, seed)),
                TestTensor.F32("lora_unet_blocks_3_attn_qkv.lora_up.weight", new long[] { 8, 2 }, TestFiles.Values(16, seed + 1)),
            });
            return file;
        }

        var odd1 = AdapterLoader.Load(Odd("odd1", 1));
        var odd2 = AdapterLoader.Load(Odd("odd2", 3));
        FamilyCheck.EnsureCompatible(new[] { odd1, odd2 });
        Assert.Single(PipelineHarness.Collect(PipelineHarness.Split(new[] { odd1, odd2 })).Pools);

        var e = Assert.Throws<AdapterException>(() => FamilyCheck.EnsureCompatible(new[] { sd1, odd1 }));
        Assert.Equal("ModelFamilyMismatch", e.ErrorId);
        Assert.Contains("'odd1'", e.Message);
        Assert.Contains("Unknown", e.Message);
        Assert.Contains("lora_unet_blocks_3_attn_qkv", e.Message);
        Assert.Contains("rename its keys", e.Message);
    }

    [Fact]
    public void ClipLTextEncoderFolder_JoinsSdxl_AndSd1()
    {
        using var tmp = new TempFolder();
        var te = AdapterLoader.Load(KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusion1, new[] { "text_encoder.text_model.encoder.layers.0.self_attn.q_proj" })
            .WritePeftFolder(tmp.Combine("te"), "text_encoder"));
        var sdxl = AdapterLoader.Load(KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusionXL, new[] { "text_encoder.text_model.encoder.layers.0.self_attn.q_proj" })
            .WriteFile(tmp.Combine("sdxl.safetensors"), SdKeyStyle.KohyaSgm));
        var sd1 = AdapterLoader.Load(KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusion1, First.Take(1)).WriteFile(tmp.Combine("sd1.safetensors"), SdKeyStyle.Kohya));
        Assert.Equal(ModelFamily.StableDiffusionXL, sdxl.Family);
        FamilyCheck.EnsureCompatible(new[] { te, sdxl });
        FamilyCheck.EnsureCompatible(new[] { te, sd1 });
        Assert.Throws<AdapterException>(() => FamilyCheck.EnsureCompatible(new[] { te, sd1, sdxl }));
    }

    [Fact]
    public void ThreeAdapters_EachFitsTheFirst_NotAllTogether_IsModelFamilyMismatch()
    {
        using var tmp = new TempFolder();
        // Self-attention of down block 1 alone: SD 1.x, 2.x and SDXL all have it at 640 wide.
        var any = AdapterLoader.Load(KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusion1, new[] { "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q" })
            .WriteFile(tmp.Combine("any.safetensors"), SdKeyStyle.Kohya));
        // SD 1.x/2.x: a layer SDXL lacks (attention in down block 0), self-attention so either width.
        var sd12 = AdapterLoader.Load(KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusion1, new[] { "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q" })
            .WriteFile(tmp.Combine("sd12.safetensors"), SdKeyStyle.Kohya));
        var sdxl = AdapterLoader.Load(KeyStyleIdentityTests.Lora(ModelFamily.StableDiffusionXL, new[] { "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k" })
            .WriteFile(tmp.Combine("sdxl.safetensors"), SdKeyStyle.KohyaSgm));
        Assert.Equal(3, any.CompatibleFamilies.Count);
        Assert.Equal(new[] { ModelFamily.StableDiffusion1, ModelFamily.StableDiffusion2 }, sd12.CompatibleFamilies);
        FamilyCheck.EnsureCompatible(new[] { any, sd12 });
        FamilyCheck.EnsureCompatible(new[] { any, sdxl });
        var e = Assert.Throws<AdapterException>(() => FamilyCheck.EnsureCompatible(new[] { any, sd12, sdxl }));
        Assert.Equal("ModelFamilyMismatch", e.ErrorId);
        Assert.Contains("'sdxl'", e.Message);
        Assert.Contains("'sd12'", e.Message);
    }
}
