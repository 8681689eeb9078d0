using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using Xunit;

namespace LoraLego.Tests.Formats;

public class KohyaReaderTests
{
    private const string Q = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
    private const string Out = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0";
    private const string Te = "lora_te_text_model_encoder_layers_0_self_attn_q_proj";

    private static IEnumerable<TestTensor> Module(string name, int r, int inF, int outF, ulong seed, float? alpha)
    {
        yield return TestTensor.F32(name + ".lora_down.weight", new long[] { r, inF }, TestFiles.Values(r * inF, seed));
        yield return TestTensor.F32(name + ".lora_up.weight", new long[] { outF, r }, TestFiles.Values(outF * r, seed + 7));
        if (alpha is float a) yield return TestTensor.F32(name + ".alpha", new long[0], new[] { a });
    }

    [Fact]
    public void DownUpAlpha_ScaleIsAlphaOverR_MetadataKept()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("style.safetensors");
        var md = new Dictionary<string, string> { ["ss_network_dim"] = "4", ["ss_network_alpha"] = "2", ["ss_base_model_version"] = "sd_v1" };
        TestFiles.WriteSafeTensors(file, Module(Q, 4, 16, 16, 1, 2f).Concat(Module(Out, 4, 16, 16, 2, 2f)).Concat(Module(Te, 4, 12, 12, 3, 2f)), md);

        var adapter = AdapterLoader.Load(file);

        Assert.Equal(AdapterFormat.Kohya, adapter.Format);
        Assert.Equal("style", adapter.Name);
        Assert.Equal(file, adapter.Path);
        Assert.Equal("sd_v1", adapter.BaseModel);
        Assert.Equal("4", adapter.Metadata["ss_network_dim"]);
        Assert.Equal(3, adapter.ModuleCount);
        // Modules are named by the layer they adapt; the kohya name stays as StoredName.
        var q = adapter.GetModule("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q")!;
        Assert.Equal(Q, q.StoredName);
        Assert.Equal(ModelFamily.StableDiffusion1, adapter.Family);
        Assert.Equal(new[] { "text_encoder", "unet" }, adapter.Components);
        Assert.Equal((4, 2.0, 0.5), (q.Rank, q.Alpha, q.Scale));
        Assert.Equal(Q + ".alpha", q.AlphaKey);
        Assert.Equal(Q + ".lora_down.weight", q.AKey);
        Assert.Equal(2.0, adapter.Alpha);
        Assert.Equal(new[] { "q_proj", "to_out.0", "to_q" }, adapter.TargetModules);
        Assert.Empty(adapter.ExtraTensors);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0f)]
    public void MissingOrZeroAlpha_MeansAlphaEqualsRank(float? alpha)
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("noalpha.safetensors");
        TestFiles.WriteSafeTensors(file, Module(Q, 8, 16, 16, 1, alpha));
        var m = AdapterLoader.Load(file).Modules.Single();
        Assert.Equal((8.0, 1.0), (m.Alpha, m.Scale));
    }

    [Fact]
    public void ConvDown_IsConvModule()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("locon.safetensors");
        const string conv = "lora_unet_down_blocks_0_resnets_0_conv1";
        TestFiles.WriteSafeTensors(file, new[]
        {
            TestTensor.F32(conv + ".lora_down.weight", new long[] { 2, 4, 3, 3 }, TestFiles.Values(72, 1)),
            TestTensor.F32(conv + ".lora_up.weight", new long[] { 6, 2, 1, 1 }, TestFiles.Values(12, 2)),
            TestTensor.F32(conv + ".alpha", new long[0], new[] { 1f }),
        });
        var m = AdapterLoader.Load(file).Modules.Single();
        Assert.Equal((ModuleKind.Conv, 36, 6, 0.5), (m.Kind, m.InFeatures, m.OutFeatures, m.Scale));
    }

    [Fact]
    public void DownWithoutUp_IsLoraFactorMissing()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("lone.safetensors");
        TestFiles.WriteSafeTensors(file, Module(Q, 2, 8, 8, 1, 1f).Where(t => !t.Name.EndsWith("lora_up.weight")));
        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(file));
        Assert.Equal("LoraFactorMissing", e.ErrorId);
        Assert.Equal(Q, e.Module);
        Assert.Contains("lora_up", e.Message);
    }

    [Fact]
    public void FolderWithOneKohyaFile_LoadsIt_NamedAfterFolderOnlyForGenericNames()
    {
        using var tmp = new TempFolder();
        var dir = tmp.Combine("pack");
        Directory.CreateDirectory(dir);
        TestFiles.WriteSafeTensors(Path.Combine(dir, "watercolor.safetensors"), Module(Q, 2, 8, 8, 1, 1f));
        var adapter = AdapterLoader.Load(dir);
        Assert.Equal(AdapterFormat.Kohya, adapter.Format);
        Assert.Equal("pack", adapter.Name);
        Assert.Equal(dir, adapter.Path);
        Assert.Equal(Path.Combine(dir, "watercolor.safetensors"), adapter.TensorFilePath);
        Assert.Equal("watercolor", AdapterLoader.Load(Path.Combine(dir, "watercolor.safetensors")).Name);
    }
}
