using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using LoraLego.Adapters;
using Xunit;

namespace LoraLego.Tests.Formats;

/// <summary>The real adapters in ../shared/fixtures/real, checked against what their own config and header say.</summary>
public class RealFixtureTests
{
    public static readonly string[] Fixtures =
    {
        "gpt2/tigrinya", "gpt2/emotion-cls", "gpt2/sentiment-cls", "gpt2/causal-demo", "sd15-unet/flowers", "sd15-unet/difusor",
    };

    [RealFixtureFact]
    public void EveryFixture_LoadsWithTheRankAlphaScaleModulesAndExtrasItsFilesImply()
    {
        foreach (var name in Fixtures)
        {
            var folder = RealFixtures.Folder(name);
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")));
            var root = config.RootElement;
            int r = root.GetProperty("r").GetInt32();
            double alpha = root.GetProperty("lora_alpha").GetDouble();
            var keys = HeaderKeys(Path.Combine(folder, "adapter_model.safetensors"));
            int expectedModules = keys.Count(k => k.EndsWith(".lora_A.weight", StringComparison.Ordinal));
            var expectedExtras = keys.Where(k => !k.Contains(".lora_")).OrderBy(k => k, StringComparer.Ordinal).ToArray();

            var adapter = AdapterLoader.Load(folder);

            Assert.Equal(AdapterFormat.Peft, adapter.Format);
            Assert.Equal(expectedModules, adapter.ModuleCount);
            Assert.Equal(r.ToString(), adapter.Rank);
            Assert.Equal(alpha, adapter.Alpha);
            Assert.All(adapter.Modules, m => Assert.Equal(alpha / r, m.Scale));
            Assert.Equal(expectedExtras, adapter.ExtraTensors.Select(e => e.Name).ToArray());
            Assert.Equal(root.GetProperty("fan_in_fan_out").GetBoolean(), adapter.FanInFanOut);
            Assert.Equal(root.GetProperty("task_type").ValueKind == JsonValueKind.Null ? null : root.GetProperty("task_type").GetString(), adapter.TaskType);
            Assert.Equal("F32", adapter.DType);
            Assert.False(adapter.IsDora);
            var targets = root.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()!).OrderBy(s => s, StringComparer.Ordinal).ToArray();
            Assert.Equal(targets, adapter.TargetModules);
        }
    }

    [RealFixtureFact]
    public void Gpt2Fixtures_HaveTheShapesOfGpt2()
    {
        var tigrinya = AdapterLoader.Load(RealFixtures.Folder("gpt2/tigrinya"));
        Assert.Equal(36, tigrinya.ModuleCount);
        var fc = tigrinya.GetModule("transformer.h.11.mlp.c_proj")!;
        Assert.Equal((3072, 768, 8, 4.0), (fc.InFeatures, fc.OutFeatures, fc.Rank, fc.Scale));
        Assert.Equal("transformer.h.11.mlp.c_proj", tigrinya.Modules[^1].Name);

        var emotion = AdapterLoader.Load(RealFixtures.Folder("gpt2/emotion-cls"));
        var score = Assert.Single(emotion.ExtraTensors);
        Assert.Equal(("base_model.model.score.weight", "F32"), (score.Name, score.DType));
        Assert.Equal(new long[] { 6, 768 }, score.Shape);
        Assert.Equal(12L * ((8 * 768) + (2304 * 8)), emotion.ParameterCount);
    }

    [RealFixtureFact]
    public void UnetFixtures_DifferOnlyInRank()
    {
        var flowers = AdapterLoader.Load(RealFixtures.Folder("sd15-unet/flowers"));
        var difusor = AdapterLoader.Load(RealFixtures.Folder("sd15-unet/difusor"));
        Assert.Equal(flowers.Modules.Select(m => (m.Name, m.InFeatures, m.OutFeatures)), difusor.Modules.Select(m => (m.Name, m.InFeatures, m.OutFeatures)));
        Assert.Equal(("4", 4.0), (flowers.Rank, flowers.Modules[0].Scale));
        Assert.Equal(("8", 4.0), (difusor.Rank, difusor.Modules[0].Scale));
    }

    [RealFixtureFact]
    public void Sha256_MatchesProvenance()
    {
        var provenance = File.ReadAllLines(Path.Combine(RealFixtures.Root!, "PROVENANCE.tsv")).Skip(1)
            .Select(l => l.Split('\t')).ToDictionary(p => p[0], p => p[2]);
        foreach (var name in new[] { "gpt2/emotion-cls", "sd15-unet/flowers" })
        {
            Assert.Equal(provenance[name + "/adapter_model.safetensors"], AdapterLoader.Load(RealFixtures.Folder(name)).ComputeSha256());
        }
    }

    [RealFixtureFact]
    public void DeltaNormAndUnits_MatchTheDenseProduct()
    {
        var adapter = AdapterLoader.Load(RealFixtures.Folder("gpt2/sentiment-cls"));
        var m = adapter.GetModule("transformer.h.5.attn.c_attn")!;
        var dense = Dense.Delta(m);
        Assert.Equal(Dense.Frobenius(dense), m.DeltaNorm, 1e-9 * Dense.Frobenius(dense));
        var units = m.ReadUnits(weight: 0.5);
        Assert.All(units.Scale, s => Assert.Equal(m.Scale * 0.5, s));
        Assert.True(Dense.RelativeError(Dense.Delta(units), 0.5 * dense) < 1e-12);
    }

    /// <summary>Tensor names straight from the header bytes (no engine code involved).</summary>
    private static string[] HeaderKeys(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, n));
        return header.RootElement.EnumerateObject().Select(p => p.Name).Where(k => k != "__metadata__").ToArray();
    }
}
