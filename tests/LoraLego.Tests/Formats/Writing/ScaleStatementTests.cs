using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using LoraLego.Adapters;
using LoraLego.Formats;
using Xunit;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>
/// Each writer states every module's own scale exactly (kohya .alpha, PEFT lora_alpha + patterns,
/// diffusers lora_adapter_metadata), also when ranks and alphas differ per module, and copies the
/// factors unchanged where the scale can be stated (no refolding).
/// </summary>
public class ScaleStatementTests
{
    private static ModuleIdentity Unet(string path) => new(ModelFamily.StableDiffusion1, ModelComponent.Unet, path);

    private static ModuleIdentity Clip(string path) => new(ModelFamily.StableDiffusion1, ModelComponent.TextEncoder, path);

    private const string Attn = "down_blocks.0.attentions.0.transformer_blocks.0.";

    /// <summary>Ranks 4 and 8, alphas 16, 8, 3 and an rsLoRA-style scale α/√r, on one component.</summary>
    private static CraftedOutput Mixed() => new CraftedOutput()
        .Add(Unet(Attn + "attn1.to_q"), 32, 32, 4, 16.0 / 4, 1, alpha: 16)
        .Add(Unet(Attn + "attn1.to_k"), 32, 32, 8, 8.0 / 8, 2, alpha: 8)
        .Add(Unet(Attn + "attn1.to_v"), 32, 32, 4, 3.0 / 4, 3, alpha: 3)
        .Add(Unet(Attn + "attn1.to_out.0"), 32, 32, 4, 16.0 / Math.Sqrt(4), 4, alpha: 16)
        .Add(Unet("mid_block.attentions.0.proj_in"), 32, 24, 8, 16.0 / 8, 5, alpha: 16);

    [Fact]
    public void Peft_PatternsGiveEveryModuleItsRankAndAlpha_ByPeftsOwnRule()
    {
        using var tmp = new TempFolder();
        var crafted = Mixed();
        var folder = crafted.Write(tmp.Combine("peft"), new AdapterWriteOptions());
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json"))).RootElement;

        Assert.False(config.GetProperty("use_rslora").GetBoolean());
        foreach (var m in crafted.Modules)
        {
            var (rank, alpha) = PeftPatternRule.Resolve(config, m.Identity.Path);
            Assert.Equal(m.Rank, rank);
            Assert.Equal(m.Scale, alpha / rank);
            Assert.True(PeftPatternRule.Targeted(config, m.Identity.Path), m.Name);
        }

        // target_modules adapts only the written modules: none of the other attention layers of the block.
        foreach (var other in new[] { Attn + "attn2.to_q", Attn + "attn2.to_out.0", "mid_block.attentions.0.proj_out" })
            Assert.False(PeftPatternRule.Targeted(config, other), other);

        // The factors went out as they were: the scale is stated, nothing folded.
        var written = AdapterLoader.Load(folder);
        foreach (var m in crafted.Modules)
        {
            var back = written.Modules.Single(w => w.StoredName == m.Identity.Path);
            Assert.Equal(m.Scale, back.Scale);
            var units = back.ReadUnits();
            Assert.Equal(crafted.Units[m.Name].A, units.A);
            Assert.Equal(crafted.Units[m.Name].BT, units.BT);
        }
    }

    [Fact]
    public void Peft_AllRsLora_WritesUseRsLora()
    {
        using var tmp = new TempFolder();
        var crafted = new CraftedOutput()
            .Add(Unet(Attn + "attn1.to_q"), 16, 16, 4, 8.0 / 2, 1, alpha: 8)
            .Add(Unet(Attn + "attn1.to_k"), 16, 16, 9, 8.0 / 3, 2, alpha: 8);
        var folder = crafted.Write(tmp.Combine("rs"), new AdapterWriteOptions());
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json"))).RootElement;
        Assert.True(config.GetProperty("use_rslora").GetBoolean());
        Assert.Equal(8, config.GetProperty("lora_alpha").GetDouble());
        var written = AdapterLoader.Load(folder);
        Assert.Equal(new[] { 4.0, 8.0 / 3 }, crafted.Modules.Select(m => written.Modules.Single(w => w.StoredName == m.Identity.Path).Scale));
    }

    [Fact]
    public void Kohya_AlphaTensorPerModule_DynamicDimAndAlpha_FactorsUnchanged()
    {
        using var tmp = new TempFolder();
        var crafted = Mixed();
        var file = crafted.Write(tmp.Combine("k.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Kohya });
        var header = WriterHeader.Read(file);
        Assert.Equal(("Dynamic", "Dynamic", "networks.lora"), (header.Metadata["ss_network_dim"], header.Metadata["ss_network_alpha"], header.Metadata["ss_network_module"]));
        Assert.Equal("sd_v1", header.Metadata["ss_base_model_version"]);

        var written = AdapterLoader.Load(file);
        foreach (var m in crafted.Modules)
        {
            var name = ModuleNamesForTests.Kohya(m.Identity);
            Assert.Equal("[]", header.Shape(name + ".alpha"));
            var back = written.Modules.Single(w => w.StoredName == name);
            Assert.Equal(m.Scale, back.Scale);
            Assert.Equal(crafted.Units[m.Name].A, back.ReadUnits().A);
            Assert.Equal(crafted.Units[m.Name].BT, back.ReadUnits().BT);
        }

        // The rsLoRA-style module states α/√r as alpha' = scale·r.
        Assert.Equal(32.0, written.Modules.Single(w => w.StoredName.EndsWith("to_out_0", StringComparison.Ordinal)).Alpha);
    }

    [Fact]
    public void Kohya_OneRankOneAlpha_WritesThem()
    {
        using var tmp = new TempFolder();
        var crafted = new CraftedOutput()
            .Add(Unet(Attn + "attn1.to_q"), 16, 16, 4, 0.25, 1, alpha: 1)
            .Add(Clip("text_model.encoder.layers.0.self_attn.q_proj"), 16, 16, 4, 0.25, 2, alpha: 1);
        var header = WriterHeader.Read(crafted.Write(tmp.Combine("k.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Kohya }));
        Assert.Equal(("4", "1"), (header.Metadata["ss_network_dim"], header.Metadata["ss_network_alpha"]));
        Assert.Contains("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", header.Keys);
    }

    [Fact]
    public void Diffusers_MetadataIsEachComponentsLoraConfig_PrefixedAndSorted()
    {
        using var tmp = new TempFolder();
        var crafted = Mixed().Add(Clip("text_model.encoder.layers.0.self_attn.q_proj"), 16, 16, 2, 3.0, 9, alpha: 6);
        var file = crafted.Write(tmp.Combine("d.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Diffusers });
        var header = WriterHeader.Read(file);
        var raw = header.Metadata["lora_adapter_metadata"];
        var metadata = JsonDocument.Parse(raw).RootElement;

        // json.dumps(sort_keys=True): keys in ordinal order, each prefixed by its component.
        var keys = metadata.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), keys);
        Assert.All(keys, k => Assert.True(k.StartsWith("unet.", StringComparison.Ordinal) || k.StartsWith("text_encoder.", StringComparison.Ordinal), k));
        Assert.Equal((2, 6.0), (metadata.GetProperty("text_encoder.r").GetInt32(), metadata.GetProperty("text_encoder.lora_alpha").GetDouble()));

        foreach (var m in crafted.Modules)
        {
            var prefix = m.Identity.Component + ".";
            Assert.Contains(prefix + m.Identity.Path + ".lora_A.weight", header.Keys);
            var (rank, alpha) = PeftPatternRule.Resolve(metadata, m.Identity.Path, prefix);
            Assert.Equal(m.Rank, rank);
            Assert.Equal(m.Scale, alpha / rank);
            Assert.True(PeftPatternRule.Targeted(metadata, m.Identity.Path, prefix), m.Name);
        }

        Assert.Equal("pt", header.Metadata["format"]);
        Assert.DoesNotContain("ss_network_dim", header.Metadata.Keys);
    }
}
