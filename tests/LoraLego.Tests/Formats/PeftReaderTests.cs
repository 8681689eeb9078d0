using System;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using Xunit;

namespace LoraLego.Tests.Formats;

public class PeftReaderTests
{
    private static AdapterException LoadFails(string path) => Assert.Throws<AdapterException>(() => AdapterLoader.Load(path));

    [Fact]
    public void LinearModules_ScaleIsAlphaOverR_NamesStripped()
    {
        using var tmp = new TempFolder();
        var dir = TestFiles.WritePeft(tmp.Combine("a"), TestFiles.PeftConfig(4, 8),
            TestFiles.PeftLinear("model.layers.0.q_proj", 4, 16, 24, 1).Concat(TestFiles.PeftLinear("model.layers.0.v_proj", 4, 16, 8, 2)));

        var adapter = AdapterLoader.Load(dir);

        Assert.Equal(AdapterFormat.Peft, adapter.Format);
        Assert.Equal("a", adapter.Name);
        Assert.Equal(Path.GetFullPath(dir), adapter.Path);
        Assert.Equal("tiny/base", adapter.BaseModel);
        Assert.Equal("CAUSAL_LM", adapter.TaskType);
        Assert.Equal(new[] { "model.layers.0.q_proj", "model.layers.0.v_proj" }, adapter.Modules.Select(m => m.Name));
        var q = adapter.Modules[0];
        Assert.Equal(ModuleKind.Linear, q.Kind);
        Assert.Equal((16, 24, 4), (q.InFeatures, q.OutFeatures, q.Rank));
        Assert.Equal(8.0, q.Alpha);
        Assert.Equal(2.0, q.Scale);
        Assert.Equal("base_model.model.model.layers.0.q_proj.lora_A.weight", q.AKey);
        Assert.Equal(new long[] { 24, 4 }, q.BShape);
        Assert.Equal("4", adapter.Rank);
        Assert.Equal(8.0, adapter.Alpha);
        Assert.Equal(new[] { "q_proj", "v_proj" }, adapter.TargetModules);
        Assert.Equal((4 * 16) + (24 * 4) + (4 * 16) + (8 * 4), adapter.ParameterCount);
        Assert.Equal("F32", adapter.DType);
        Assert.Equal(new FileInfo(adapter.TensorFilePath).Length, adapter.SizeBytes);
        Assert.Equal("pt", adapter.Metadata["format"]);
        Assert.Empty(adapter.ExtraTensors);
    }

    [Fact]
    public void RsLora_ScaleIsAlphaOverSqrtR()
    {
        using var tmp = new TempFolder();
        var dir = TestFiles.WritePeft(tmp.Combine("rs"), TestFiles.PeftConfig(9, 12, "\"use_rslora\": true"), TestFiles.PeftLinear("l.q_proj", 9, 8, 8, 3));
        var adapter = AdapterLoader.Load(dir);
        Assert.True(adapter.UseRsLora);
        Assert.Equal(12.0 / 3.0, adapter.Modules[0].Scale, 12);
    }

    [Fact]
    public void RankAndAlphaPatterns_MatchDottedSuffix_FirstMatchWins()
    {
        using var tmp = new TempFolder();
        // h.1 is rank 8 through the pattern; "c_attn" would also match h.1 but comes second.
        var config = TestFiles.PeftConfig(4, 4,
            "\"rank_pattern\": {\"h\\\\.1\\\\.attn\\\\.c_attn\": 8, \"c_attn\": 2}, \"alpha_pattern\": {\"1.attn.c_attn\": 32, \"h.0.attn.c_attn\": 6, \"attn.c_attn\": 99}");
        var tensors = TestFiles.PeftLinear("transformer.h.0.attn.c_attn", 2, 8, 8, 1)
            .Concat(TestFiles.PeftLinear("transformer.h.1.attn.c_attn", 8, 8, 8, 2))
            .Concat(TestFiles.PeftLinear("transformer.h.11.attn.c_attn", 2, 8, 8, 3))
            .Concat(TestFiles.PeftLinear("transformer.h.1.mlp.c_fc", 4, 8, 8, 4));
        var adapter = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("p"), config, tensors));

        var byName = adapter.Modules.ToDictionary(m => m.Name);
        Assert.Equal((2, 6.0, 3.0), (byName["transformer.h.0.attn.c_attn"].Rank, byName["transformer.h.0.attn.c_attn"].Alpha, byName["transformer.h.0.attn.c_attn"].Scale));
        Assert.Equal((8, 32.0, 4.0), (byName["transformer.h.1.attn.c_attn"].Rank, byName["transformer.h.1.attn.c_attn"].Alpha, byName["transformer.h.1.attn.c_attn"].Scale));
        // "1.attn.c_attn" must match a whole dotted suffix: h.11.attn.c_attn falls through to "attn.c_attn".
        Assert.Equal((2, 99.0), (byName["transformer.h.11.attn.c_attn"].Rank, byName["transformer.h.11.attn.c_attn"].Alpha));
        Assert.Equal((4, 4.0, 1.0), (byName["transformer.h.1.mlp.c_fc"].Rank, byName["transformer.h.1.mlp.c_fc"].Alpha, byName["transformer.h.1.mlp.c_fc"].Scale));
        Assert.Equal("2-8", adapter.Rank);
        Assert.Null(adapter.Alpha);
        Assert.Equal(new[] { "transformer.h.0.attn.c_attn", "transformer.h.1.attn.c_attn", "transformer.h.1.mlp.c_fc", "transformer.h.11.attn.c_attn" },
            adapter.Modules.Select(m => m.Name));
    }

    [Fact]
    public void ConfigRankDisagreeingWithShapes_IsLoraRankMismatch()
    {
        using var tmp = new TempFolder();
        var dir = TestFiles.WritePeft(tmp.Combine("m"), TestFiles.PeftConfig(8, 8), TestFiles.PeftLinear("enc.layer.3.q_proj", 4, 8, 8, 1));
        var e = LoadFails(dir);
        Assert.Equal("LoraRankMismatch", e.ErrorId);
        Assert.Equal("enc.layer.3.q_proj", e.Module);
        Assert.Contains("enc.layer.3.q_proj", e.Message);
        Assert.Contains("adapter_model.safetensors", e.Message);
    }

    [Fact]
    public void FanInFanOut_IsKept()
    {
        using var tmp = new TempFolder();
        var dir = TestFiles.WritePeft(tmp.Combine("f"), TestFiles.PeftConfig(2, 4, "\"fan_in_fan_out\": true"), TestFiles.PeftLinear("h.0.attn.c_attn", 2, 6, 18, 1));
        var adapter = AdapterLoader.Load(dir);
        Assert.True(adapter.FanInFanOut);
        Assert.Equal((6, 18), (adapter.Modules[0].InFeatures, adapter.Modules[0].OutFeatures));
    }

    [Fact]
    public void EmbeddingModules_UseLoraEmbeddingKeys()
    {
        using var tmp = new TempFolder();
        var tensors = new[]
        {
            TestTensor.F32("base_model.model.model.embed_tokens.lora_embedding_A", new long[] { 3, 50 }, TestFiles.Values(150, 1)),
            TestTensor.F32("base_model.model.model.embed_tokens.lora_embedding_B", new long[] { 12, 3 }, TestFiles.Values(36, 2)),
        };
        var adapter = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("e"), TestFiles.PeftConfig(3, 6), tensors));
        var m = Assert.Single(adapter.Modules);
        Assert.Equal(ModuleKind.Embedding, m.Kind);
        Assert.Equal("model.embed_tokens", m.Name);
        Assert.Equal((50, 12, 3, 2.0), (m.InFeatures, m.OutFeatures, m.Rank, m.Scale));
        Assert.Equal("base_model.model.model.embed_tokens.lora_embedding_B", m.BKey);
    }

    [Fact]
    public void ConvModules_FlattenKernelIntoInFeatures()
    {
        using var tmp = new TempFolder();
        var tensors = new[]
        {
            TestTensor.F32("base_model.model.down.0.conv1.lora_A.weight", new long[] { 2, 3, 3, 3 }, TestFiles.Values(54, 1)),
            TestTensor.F32("base_model.model.down.0.conv1.lora_B.weight", new long[] { 5, 2, 1, 1 }, TestFiles.Values(10, 2)),
        };
        var adapter = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("c"), TestFiles.PeftConfig(2, 2), tensors));
        var m = Assert.Single(adapter.Modules);
        Assert.Equal(ModuleKind.Conv, m.Kind);
        Assert.Equal((27, 5), (m.InFeatures, m.OutFeatures));
        var units = m.ReadUnits();
        Assert.Equal(TestFiles.Values(54, 1), units.A);
        var b = TestFiles.Values(10, 2);
        for (int i = 0; i < 2; i++)
        {
            for (int o = 0; o < 5; o++) Assert.Equal(b[(o * 2) + i], units.UnitB(i)[o]);
        }
    }

    [Fact]
    public void Dora_MagnitudeVectorOrUseDora_LoadsWithIsDora()
    {
        using var tmp = new TempFolder();
        var mag = TestTensor.F32("base_model.model.l.q_proj.lora_magnitude_vector", new long[] { 8 }, TestFiles.Values(8, 9));
        var withMagnitude = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("d1"), TestFiles.PeftConfig(2, 2), TestFiles.PeftLinear("l.q_proj", 2, 8, 8, 1).Append(mag)));
        Assert.True(withMagnitude.IsDora);
        Assert.Equal("base_model.model.l.q_proj.lora_magnitude_vector", Assert.Single(withMagnitude.ExtraTensors).Name);

        var byConfig = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("d2"), TestFiles.PeftConfig(2, 2, "\"use_dora\": true"), TestFiles.PeftLinear("l.q_proj", 2, 8, 8, 1)));
        Assert.True(byConfig.IsDora);

        var plain = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("d3"), TestFiles.PeftConfig(2, 2), TestFiles.PeftLinear("l.q_proj", 2, 8, 8, 1)));
        Assert.False(plain.IsDora);
    }

    [Fact]
    public void NonLoraTensors_AreExtraTensors()
    {
        using var tmp = new TempFolder();
        var score = TestTensor.F32("base_model.model.score.weight", new long[] { 6, 8 }, TestFiles.Values(48, 5));
        var bias = TestTensor.F32("base_model.model.l.q_proj.lora_B.bias", new long[] { 8 }, TestFiles.Values(8, 6));
        var adapter = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("x"), TestFiles.PeftConfig(2, 2, "\"modules_to_save\": [\"score\"]"),
            TestFiles.PeftLinear("l.q_proj", 2, 8, 8, 1).Append(score).Append(bias)));
        Assert.Single(adapter.Modules);
        Assert.Equal(new[] { "base_model.model.l.q_proj.lora_B.bias", "base_model.model.score.weight" }, adapter.ExtraTensors.Select(e => e.Name));
        var s = adapter.ExtraTensors[1];
        Assert.Equal(("F32", 6L * 8 * 4), (s.DType, s.SizeBytes));
        Assert.Equal(new long[] { 6, 8 }, s.Shape);
        Assert.Equal(new[] { "score" }, adapter.ModulesToSave);
        Assert.Equal(2 * 8 * 2, adapter.ParameterCount);
    }

    [Theory]
    [InlineData("lora_A")]
    [InlineData("lora_B")]
    public void LoneFactor_IsLoraFactorMissing(string present)
    {
        using var tmp = new TempFolder();
        var tensors = TestFiles.PeftLinear("blocks.2.attn.to_k", 2, 8, 8, 1).Where(t => t.Name.Contains(present)).Concat(TestFiles.PeftLinear("blocks.2.attn.to_q", 2, 8, 8, 1));
        var e = LoadFails(TestFiles.WritePeft(tmp.Combine("lone"), TestFiles.PeftConfig(2, 2), tensors));
        Assert.Equal("LoraFactorMissing", e.ErrorId);
        Assert.Equal("blocks.2.attn.to_k", e.Module);
        Assert.Contains("blocks.2.attn.to_k", e.Message);
    }

    [Fact]
    public void FactorsDisagreeingOnRank_IsLoraShapeMismatch()
    {
        using var tmp = new TempFolder();
        var tensors = new[]
        {
            TestTensor.F32("base_model.model.l.q_proj.lora_A.weight", new long[] { 4, 8 }, TestFiles.Values(32, 1)),
            TestTensor.F32("base_model.model.l.q_proj.lora_B.weight", new long[] { 8, 2 }, TestFiles.Values(16, 2)),
        };
        var e = LoadFails(TestFiles.WritePeft(tmp.Combine("s"), TestFiles.PeftConfig(4, 4), tensors));
        Assert.Equal("LoraShapeMismatch", e.ErrorId);
        Assert.Equal("l.q_proj", e.Module);
    }

    [Fact]
    public void PickleOnly_IsLegacyPickleAdapter_AndIsNeverRead()
    {
        using var tmp = new TempFolder();
        var dir = tmp.Combine("old");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "adapter_config.json"), TestFiles.PeftConfig(2, 2));
        var bin = Path.Combine(dir, "adapter_model.bin");
        File.WriteAllBytes(bin, new byte[] { 0x80, 0x02, 0x63 }); // a pickle opcode stream start

        var e = LoadFails(dir);
        Assert.Equal("LegacyPickleAdapter", e.ErrorId);
        Assert.Contains("save_pretrained", e.Message);
        Assert.Contains("safe_serialization=True", e.Message);
        Assert.Equal(bin, e.Target);
        Assert.Equal("LegacyPickleAdapter", LoadFails(bin).ErrorId);
    }

    [Theory]
    [InlineData("{\"peft_type\": \"LORA\", \"r\": 4,")]
    [InlineData("[1, 2]")]
    [InlineData("{\"peft_type\": \"LORA\", \"r\": \"four\"}")]
    [InlineData("{\"r\": 4}")]
    [InlineData("{\"peft_type\": \"LORA\", \"rank_pattern\": {\"q_proj\": \"x\"}}")]
    public void MalformedConfig_IsAdapterConfigInvalid(string json)
    {
        using var tmp = new TempFolder();
        var dir = TestFiles.WritePeft(tmp.Combine("bad"), json, TestFiles.PeftLinear("l.q_proj", 4, 8, 8, 1));
        var e = LoadFails(dir);
        Assert.Equal("AdapterConfigInvalid", e.ErrorId);
        Assert.Contains("adapter_config.json", e.Message);
    }

    [Fact]
    public void MissingFiles_AreAdapterNotFound()
    {
        using var tmp = new TempFolder();
        Assert.Equal("AdapterNotFound", LoadFails(tmp.Combine("nothing-here")).ErrorId);

        var empty = tmp.Combine("empty");
        Directory.CreateDirectory(empty);
        Assert.Equal("AdapterNotFound", LoadFails(empty).ErrorId);

        // A folder of adapter folders: the message says how to load them.
        TestFiles.WritePeft(Path.Combine(empty, "one"), TestFiles.PeftConfig(2, 2), TestFiles.PeftLinear("l.q_proj", 2, 8, 8, 1));
        var parent = LoadFails(empty);
        Assert.Equal("AdapterNotFound", parent.ErrorId);
        Assert.Contains(Path.Combine(empty, "*"), parent.Message);

        var configOnly = tmp.Combine("config-only");
        Directory.CreateDirectory(configOnly);
        File.WriteAllText(Path.Combine(configOnly, "adapter_config.json"), TestFiles.PeftConfig(2, 2));
        var e = LoadFails(configOnly);
        Assert.Equal("AdapterNotFound", e.ErrorId);
        Assert.Contains("adapter_model.safetensors", e.Message);

        // PEFT tensors without their config: ranks/alphas unknown.
        var tensorsOnly = tmp.Combine("tensors-only.safetensors");
        TestFiles.WriteSafeTensors(tensorsOnly, TestFiles.PeftLinear("l.q_proj", 2, 8, 8, 1));
        Assert.Equal("AdapterNotFound", LoadFails(tensorsOnly).ErrorId);
    }

    [Theory]
    [InlineData("LOHA")]
    [InlineData("IA3")]
    public void OtherPeftTypes_AreAdapterTypeNotSupported(string type)
    {
        using var tmp = new TempFolder();
        var dir = TestFiles.WritePeft(tmp.Combine("t"), "{\"peft_type\": \"" + type + "\", \"r\": 4}", TestFiles.PeftLinear("l.q_proj", 4, 8, 8, 1));
        var e = LoadFails(dir);
        Assert.Equal("AdapterTypeNotSupported", e.ErrorId);
        Assert.Contains(type, e.Message);
        Assert.Contains(type == "LOHA" ? "LyCORIS" : "base model", e.Message);
    }

    [Fact]
    public void UnknownConfigFields_AreKeptInConfigJson()
    {
        using var tmp = new TempFolder();
        var json = TestFiles.PeftConfig(2, 2, "\"some_future_field\": {\"x\": [1, 2]}");
        var adapter = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("u"), json, TestFiles.PeftLinear("l.q_proj", 2, 8, 8, 1)));
        Assert.Equal(json, adapter.ConfigJson);
    }

    [Fact]
    public void TensorFileGivenDirectly_LoadsThePeftFolder()
    {
        using var tmp = new TempFolder();
        var dir = TestFiles.WritePeft(tmp.Combine("named"), TestFiles.PeftConfig(2, 4), TestFiles.PeftLinear("l.q_proj", 2, 8, 8, 1));
        var adapter = AdapterLoader.Load(Path.Combine(dir, "adapter_model.safetensors"));
        Assert.Equal(AdapterFormat.Peft, adapter.Format);
        Assert.Equal("named", adapter.Name);
        Assert.Equal(2.0, adapter.Modules[0].Scale);
        Assert.Equal("custom", AdapterLoader.Load(dir, "custom").Name);
    }

    [Fact]
    public void MixedDTypes_AreListed()
    {
        using var tmp = new TempFolder();
        var tensors = new[]
        {
            new TestTensor("base_model.model.a.q_proj.lora_A.weight", "F16", new long[] { 2, 4 }, new float[] { 0.5f, -1, 2, 0.25f, 1, 1, -2, 0 }),
            new TestTensor("base_model.model.a.q_proj.lora_B.weight", "F16", new long[] { 4, 2 }, new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }),
            TestTensor.F32("base_model.model.a.v_proj.lora_A.weight", new long[] { 2, 4 }, TestFiles.Values(8, 1)),
            new TestTensor("base_model.model.a.v_proj.lora_B.weight", "BF16", new long[] { 4, 2 }, new float[] { 1, -2, 0.5f, 4, 8, 16, 0, 1 }),
        };
        var adapter = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("dt"), TestFiles.PeftConfig(2, 2), tensors));
        Assert.Equal("BF16,F16,F32", adapter.DType);
        Assert.Equal("F16", adapter.Modules[0].DType);
        Assert.Equal("BF16,F32", adapter.Modules[1].DType);
        Assert.Equal(new float[] { 0.5f, -1, 2, 0.25f, 1, 1, -2, 0 }, adapter.Modules[0].ReadUnits().A);
    }
}
