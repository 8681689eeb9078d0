using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Tests.Formats.Writing;
using LoraLego.SafeTensors;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Formats;

public class AdapterWriterTests
{
    /// <summary>
    /// Writes every module of <paramref name="source"/> back out from its own units (scales folded in). As kohya,
    /// a crafted module no layout recognises is written as if it were an SD 1.x UNet layer of that path
    /// (these tests are about the files, not the names).
    /// </summary>
    private static string Rewrite(LoraAdapter source, string target, AdapterWriteOptions? options = null)
    {
        options ??= new AdapterWriteOptions();
        options.Sources = new[] { source };
        var outputs = source.Modules.Select((m, i) => (m, i)).ToDictionary(p => Output(p.m, p.i, options.Format), p => p.m);
        return AdapterWriter.Write(target, outputs.Keys.ToList(), (m, _) => outputs[m].ReadUnits(), options);
    }

    private static OutputModule Output(LoraModule m, int index, AdapterFormat format)
    {
        if (format != AdapterFormat.Kohya || m.Identity.Family is not (ModelFamily.Unknown or ModelFamily.Transformers) || m.Name.StartsWith("lora_", StringComparison.Ordinal) || m.Kind == ModuleKind.Embedding)
            return OutputModule.Like(m, m.Rank);
        var unet = new ModuleIdentity(ModelFamily.StableDiffusion1, ModelComponent.Unet, SdUnetLayers[index]);
        return new OutputModule(unet.Key, m.Kind, m.InFeatures, m.OutFeatures, m.Rank, m.Kind == ModuleKind.Conv ? m.AShape.Skip(1).ToArray() : null, unet);
    }

    /// <summary>Real SD 1.x UNet layers that crafted modules stand in for when written as kohya.</summary>
    private static readonly string[] SdUnetLayers = new[] { "attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0", "attn2.to_q", "attn2.to_k" }
        .Select(l => "down_blocks.0.attentions.0.transformer_blocks.0." + l).ToArray();

    private static LoraAdapter Crafted(TempFolder tmp, string name, int r, double alpha, string extra = "", params (string Module, int In, int Out)[] modules)
    {
        var tensors = modules.SelectMany((m, i) => TestFiles.PeftLinear(m.Module, r, m.In, m.Out, (ulong)(i + 1) * 17));
        return AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine(name), TestFiles.PeftConfig(r, alpha, extra), tensors));
    }

    /// <summary>Same module names; dense deltas equal on up to 8 modules spread over the adapter (dense products are slow).</summary>
    private static void AssertSameDeltas(LoraAdapter expected, LoraAdapter actual, double tolerance)
    {
        Assert.Equal(expected.Modules.Select(m => m.Name), actual.Modules.Select(m => m.Name));
        int step = Math.Max(1, expected.ModuleCount / 8);
        foreach (var e in expected.Modules.Where((_, i) => i % step == 0))
        {
            var a = actual.GetModule(e.Name)!;
            Assert.True(Dense.RelativeError(Dense.Delta(a), Dense.Delta(e)) < tolerance, $"module {e.Name}");
        }
    }

    private static (IReadOnlyDictionary<string, string> Metadata, Dictionary<string, JsonElement> Tensors) Header(string file)
    {
        var bytes = File.ReadAllBytes(file);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var root = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, n)).RootElement;
        var md = root.GetProperty("__metadata__").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return (md, root.EnumerateObject().Where(p => p.Name != "__metadata__").ToDictionary(p => p.Name, p => p.Value));
    }

    [RealFixtureFact]
    public void RealPeft_RoundTrip_SameDeltas_ScaleOne_ConfigLikePefts()
    {
        using var tmp = new TempFolder();
        foreach (var fixture in new[] { "sd15-unet/flowers", "gpt2/tigrinya" })
        {
            var source = AdapterLoader.Load(RealFixtures.Folder(fixture));
            var written = AdapterLoader.Load(Rewrite(source, tmp.Combine(fixture.Replace('/', '-'))));

            Assert.All(written.Modules, m => Assert.Equal((1.0, m.Rank), (m.Scale, (int)m.Alpha)));
            AssertSameDeltas(source, written, 1e-6);
            var sourceKeys = source.Modules.SelectMany(m => new[] { m.AKey, m.BKey }).OrderBy(k => k, StringComparer.Ordinal);
            Assert.Equal(sourceKeys, written.Modules.SelectMany(m => new[] { m.AKey, m.BKey }).OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal("pt", written.Metadata["format"]);

            var original = JsonDocument.Parse(source.ConfigJson!).RootElement;
            var config = JsonDocument.Parse(written.ConfigJson!).RootElement;
            int r = original.GetProperty("r").GetInt32();
            Assert.Equal(r, config.GetProperty("r").GetInt32());
            Assert.Equal(r, config.GetProperty("lora_alpha").GetInt32());
            Assert.Empty(config.GetProperty("rank_pattern").EnumerateObject());
            Assert.Empty(config.GetProperty("alpha_pattern").EnumerateObject());
            // Every field written is one PEFT itself writes, with the same JSON kind (null aside).
            foreach (var p in config.EnumerateObject())
            {
                Assert.True(original.TryGetProperty(p.Name, out var o), $"field {p.Name} is not in the fixture's config");
                if (o.ValueKind != JsonValueKind.Null && p.Value.ValueKind != JsonValueKind.Null)
                    Assert.True(Kind(o) == Kind(p.Value), $"field {p.Name}: {o.ValueKind} in PEFT's, {p.Value.ValueKind} in ours");
            }

            // target_modules lists the written modules' full paths, so PEFT adapts exactly those.
            Assert.Equal(source.Modules.Select(m => m.StoredName).OrderBy(n => n, StringComparer.Ordinal), config.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
            foreach (var same in new[] { "peft_type", "fan_in_fan_out", "task_type", "base_model_name_or_path", "use_rslora", "use_dora", "bias" })
                Assert.Equal(original.GetProperty(same).GetRawText().Replace(" ", "").Replace("\n", ""), config.GetProperty(same).GetRawText().Replace(" ", "").Replace("\n", ""));
        }

        static string Kind(JsonElement e) => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? "bool" : e.ValueKind.ToString();
    }

    [RealFixtureFact]
    public void RealMixedRanks_RankPatternMakesEveryScaleOne()
    {
        using var tmp = new TempFolder();
        var flowers = AdapterLoader.Load(RealFixtures.Folder("sd15-unet/flowers"));
        var difusor = AdapterLoader.Load(RealFixtures.Folder("sd15-unet/difusor"));
        // Even modules from flowers (rank 4), odd from difusor (rank 8): 16 of each, so the tie picks r = 4.
        var pick = flowers.Modules.Select((m, i) => i % 2 == 0 ? m : difusor.GetModule(m.Name)!).ToList();
        var target = AdapterWriter.Write(tmp.Combine("mixed"), pick.Select(m => OutputModule.Like(m, m.Rank)).ToList(),
            (m, _) => pick.Single(p => p.Name == m.Name).ReadUnits(), new AdapterWriteOptions { Sources = new[] { flowers, difusor } });

        var written = AdapterLoader.Load(target);
        var config = JsonDocument.Parse(written.ConfigJson!).RootElement;
        Assert.Equal(4, config.GetProperty("r").GetInt32());
        var pattern = config.GetProperty("rank_pattern").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(pick.Where(m => m.Rank == 8).Select(m => m.Identity.Path).OrderBy(s => s, StringComparer.Ordinal), pattern.Keys.OrderBy(s => s, StringComparer.Ordinal));
        Assert.Equal(pattern, config.GetProperty("alpha_pattern").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32()));
        Assert.Equal("4-8", written.Rank);
        foreach (var m in pick.Take(6))
        {
            var w = written.GetModule(m.Name)!;
            Assert.Equal((m.Rank, 1.0), (w.Rank, w.Scale));
            Assert.True(Dense.RelativeError(Dense.Delta(w), Dense.Delta(m)) < 1e-6, m.Name);
        }
    }

    [Fact]
    public void Folding_KeepsNegativeAndZeroScales()
    {
        using var tmp = new TempFolder();
        var units = new UnitBlock(3, 2, new float[] { 1, 2, 3, -1, 0.5f, 2, 4, 4, 4 }, new float[] { 1, -1, 2, 3, 5, 5 }, new[] { -2.0, 0.25, 0.0 });
        var target = AdapterWriter.Write(tmp.Combine("neg"), new[] { new OutputModule("layer.q_proj", ModuleKind.Linear, 3, 2, 3) }, (_, _) => units, new AdapterWriteOptions());
        var m = AdapterLoader.Load(target).Modules.Single();
        Assert.True(Dense.RelativeError(Dense.Delta(m), Dense.Delta(units)) < 1e-7);
        // The zero-scale unit is written as zeros on both sides.
        var back = m.ReadUnits();
        Assert.All(back.UnitA(2).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(back.UnitB(2).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ConvAndEmbedding_AreWrittenInTheirOwnShapesAndKeys()
    {
        using var tmp = new TempFolder();
        var tensors = new[]
        {
            TestTensor.F32("base_model.model.down.0.conv1.lora_A.weight", new long[] { 2, 3, 3, 3 }, TestFiles.Values(54, 1)),
            TestTensor.F32("base_model.model.down.0.conv1.lora_B.weight", new long[] { 5, 2, 1, 1 }, TestFiles.Values(10, 2)),
            TestTensor.F32("base_model.model.embed.lora_embedding_A", new long[] { 2, 40 }, TestFiles.Values(80, 3)),
            TestTensor.F32("base_model.model.embed.lora_embedding_B", new long[] { 6, 2 }, TestFiles.Values(12, 4)),
        };
        var source = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("src"), TestFiles.PeftConfig(2, 6), tensors));
        var target = Rewrite(source, tmp.Combine("out"));
        var (_, header) = Header(Path.Combine(target, "adapter_model.safetensors"));
        Assert.Equal("[2,3,3,3]", header["base_model.model.down.0.conv1.lora_A.weight"].GetProperty("shape").GetRawText());
        Assert.Equal("[5,2,1,1]", header["base_model.model.down.0.conv1.lora_B.weight"].GetProperty("shape").GetRawText());
        Assert.Equal("[6,2]", header["base_model.model.embed.lora_embedding_B"].GetProperty("shape").GetRawText());
        var written = AdapterLoader.Load(target);
        Assert.Equal(new[] { ModuleKind.Conv, ModuleKind.Embedding }, written.Modules.Select(m => m.Kind));
        AssertSameDeltas(source, written, 1e-6);

        // kohya keeps the conv kernel too (an SD UNet conv), and has no embeddings to offer.
        var conv = source.Modules[0];
        var unetConv = new ModuleIdentity(ModelFamily.StableDiffusion1, ModelComponent.Unet, "down_blocks.0.resnets.0.conv1");
        var kohya = AdapterWriter.Write(tmp.Combine("conv.safetensors"), new[] { new OutputModule(unetConv.Key, ModuleKind.Conv, conv.InFeatures, conv.OutFeatures, 2, new long[] { 3, 3, 3 }, unetConv) },
            (_, _) => conv.ReadUnits(), new AdapterWriteOptions { Format = AdapterFormat.Kohya });
        var (_, kHeader) = Header(kohya);
        Assert.Equal("[2,3,3,3]", kHeader["lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight"].GetProperty("shape").GetRawText());
        Assert.True(Dense.RelativeError(Dense.Delta(AdapterLoader.Load(kohya).Modules[0]), Dense.Delta(conv)) < 1e-6);
        var e = Assert.Throws<AdapterException>(() => Rewrite(source, tmp.Combine("emb.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Kohya }));
        Assert.Equal("OutputNameUnmapped", e.ErrorId);
        Assert.Contains(e.Module, new[] { "embed", "down.0.conv1" });
    }

    [Fact]
    public void KohyaOutput_NamesDownUpAndAlpha_ScaleOneForAMerge()
    {
        using var tmp = new TempFolder();
        var source = Crafted(tmp, "src", 4, 16, "", ("q", 8, 8), ("p", 8, 6));
        var ids = new[] { "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", "mid_block.attentions.0.proj_in" }
            .Select(p => new ModuleIdentity(ModelFamily.StableDiffusion1, ModelComponent.Unet, p)).ToArray();
        var outputs = source.Modules.Select((m, i) => new OutputModule(ids[i].Key, m.Kind, m.InFeatures, m.OutFeatures, m.Rank, identity: ids[i])).ToList();
        var file = AdapterWriter.Write(tmp.Combine("out.safetensors"), outputs, (m, _) => source.Modules[Array.FindIndex(ids, id => id.Key == m.Name)].ReadUnits(),
            new AdapterWriteOptions { Format = AdapterFormat.Kohya });

        var (md, header) = Header(file);
        const string q = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
        Assert.Contains(q + ".lora_down.weight", header.Keys);
        Assert.Contains(q + ".lora_up.weight", header.Keys);
        Assert.Equal("[]", header[q + ".alpha"].GetProperty("shape").GetRawText());
        Assert.Equal("F32", header[q + ".alpha"].GetProperty("dtype").GetString());
        Assert.Contains("lora_unet_mid_block_attentions_0_proj_in.lora_down.weight", header.Keys);
        Assert.Equal(("4", "4", "networks.lora"), (md["ss_network_dim"], md["ss_network_alpha"], md["ss_network_module"]));
        Assert.Equal(("sd_v1", "stable-diffusion-v1/lora", "out"), (md["ss_base_model_version"], md["modelspec.architecture"], md["modelspec.title"]));

        var written = AdapterLoader.Load(file);
        Assert.Equal(AdapterFormat.Kohya, written.Format);
        Assert.All(written.Modules, m => Assert.Equal((4.0, 1.0), (m.Alpha, m.Scale)));
        for (int i = 0; i < ids.Length; i++)
        {
            var w = written.Modules.Single(m => m.StoredName == ModuleNamesForTests.Kohya(ids[i]));
            Assert.True(Dense.RelativeError(Dense.Delta(w), Dense.Delta(source.Modules[i])) < 1e-6);
        }
    }

    [Theory]
    [InlineData(SafeTensorDType.F16, 2e-3)]
    [InlineData(SafeTensorDType.BF16, 1.5e-2)]
    public void HalfPrecisionOutput(SafeTensorDType dtype, double tolerance)
    {
        using var tmp = new TempFolder();
        var source = Crafted(tmp, "src", 4, 8, "", ("m.q_proj", 16, 16), ("m.v_proj", 16, 16));
        var written = AdapterLoader.Load(Rewrite(source, tmp.Combine("half"), new AdapterWriteOptions { DType = dtype }));
        Assert.Equal(dtype.ToString(), written.DType);
        AssertSameDeltas(source, written, tolerance);
        // The values really were rounded to the narrower type.
        Assert.Contains(source.Modules, m => Dense.RelativeError(Dense.Delta(written.GetModule(m.Name)!), Dense.Delta(m)) > 1e-6);
    }

    [Fact]
    public void ExtraTensors_AreCopiedByteForByte_WithModulesToSave()
    {
        using var tmp = new TempFolder();
        var score = TestTensor.F32("base_model.model.score.weight", new long[] { 3, 8 }, TestFiles.Values(24, 99));
        var source = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("cls"), TestFiles.PeftConfig(2, 4, "\"modules_to_save\": [\"score\"]"),
            TestFiles.PeftLinear("h.0.c_attn", 2, 8, 24, 1).Append(score)));
        var target = Rewrite(source, tmp.Combine("out"), new AdapterWriteOptions { ExtraTensors = source.ExtraTensors });
        var written = AdapterLoader.Load(target);
        Assert.Equal(source.ExtraTensors[0].ReadRaw(), Assert.Single(written.ExtraTensors).ReadRaw());
        Assert.Equal(new[] { "score" }, written.ModulesToSave);

        var without = AdapterLoader.Load(Rewrite(source, tmp.Combine("bare")));
        Assert.Empty(without.ExtraTensors);
        Assert.Empty(without.ModulesToSave);
    }

    [Fact]
    public void ExistingTarget_RefusedUnlessOverwrite_ThenReplacedKeepingOtherFiles()
    {
        using var tmp = new TempFolder();
        var a = Crafted(tmp, "a", 2, 2, "", ("l.q_proj", 8, 8));
        var b = Crafted(tmp, "b", 4, 2, "", ("l.q_proj", 8, 8));
        var target = Rewrite(a, tmp.Combine("out"));
        File.WriteAllText(Path.Combine(target, "README.md"), "notes");
        var before = File.ReadAllBytes(Path.Combine(target, "adapter_model.safetensors"));

        var e = Assert.Throws<AdapterException>(() => Rewrite(b, target));
        Assert.Equal("OutputExists", e.ErrorId);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(target, "adapter_model.safetensors")));

        Rewrite(b, target, new AdapterWriteOptions { Overwrite = true });
        Assert.Equal("4", AdapterLoader.Load(target).Rank);
        Assert.Equal("notes", File.ReadAllText(Path.Combine(target, "README.md")));
        Assert.Equal(new[] { "a", "b", "out" }, Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName).OrderBy(s => s));

        var kohya = Rewrite(a, tmp.Combine("k.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Kohya });
        Assert.Equal("OutputExists", Assert.Throws<AdapterException>(() => Rewrite(b, kohya, new AdapterWriteOptions { Format = AdapterFormat.Kohya })).ErrorId);
        Rewrite(b, kohya, new AdapterWriteOptions { Format = AdapterFormat.Kohya, Overwrite = true });
        Assert.Equal("4", AdapterLoader.Load(kohya).Rank);

        var empty = tmp.Combine("empty");
        Directory.CreateDirectory(empty);
        Rewrite(a, empty);
        Assert.Equal("2", AdapterLoader.Load(empty).Rank);
    }

    [Fact]
    public void TargetThatIsAnInput_IsOutputIsInput()
    {
        using var tmp = new TempFolder();
        var a = Crafted(tmp, "a", 2, 2, "", ("l.q_proj", 8, 8));
        foreach (var target in new[] { a.Path, tmp.Path, a.TensorFilePath })
        {
            var e = Assert.Throws<AdapterException>(() => Rewrite(a, target, new AdapterWriteOptions { Overwrite = true }));
            Assert.Equal("OutputIsInput", e.ErrorId);
        }

        var kohya = AdapterLoader.Load(Rewrite(a, tmp.Combine("k.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Kohya }));
        var k = Assert.Throws<AdapterException>(() => Rewrite(kohya, kohya.Path, new AdapterWriteOptions { Format = AdapterFormat.Kohya, Overwrite = true }));
        Assert.Equal("OutputIsInput", k.ErrorId);
        Assert.Equal(2, AdapterLoader.Load(a.Path).Modules[0].Rank);
    }

    [Fact]
    public void ProducerDeliveringWrongUnits_IsOutputUnitsMismatch_AndLeavesNothing()
    {
        using var tmp = new TempFolder();
        var a = Crafted(tmp, "a", 2, 2, "", ("l.q_proj", 8, 8), ("l.v_proj", 8, 8));
        var modules = a.Modules.Select(m => OutputModule.Like(m, 3)).ToList();
        var e = Assert.Throws<AdapterException>(() => AdapterWriter.Write(tmp.Combine("out"), modules, (m, _) => a.GetModule(m.Name)!.ReadUnits(), new AdapterWriteOptions()));
        Assert.Equal("OutputUnitsMismatch", e.ErrorId);
        Assert.Equal("l.q_proj", e.Module);
        Assert.Equal(new[] { "a" }, Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Modules_AreProducedOneAtATimeInOrder_AndCancellationLeavesNothing()
    {
        using var tmp = new TempFolder();
        var a = Crafted(tmp, "a", 2, 2, "", ("l.0.q_proj", 8, 8), ("l.1.q_proj", 8, 8), ("l.2.q_proj", 8, 8));
        var calls = new List<string>();
        var modules = a.Modules.Select(m => OutputModule.Like(m, 2)).ToList();
        AdapterWriter.Write(tmp.Combine("out"), modules, (m, _) => { calls.Add(m.Name); return a.GetModule(m.Name)!.ReadUnits(); }, new AdapterWriteOptions());
        Assert.Equal(new[] { "l.0.q_proj", "l.1.q_proj", "l.2.q_proj" }, calls);

        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => AdapterWriter.Write(tmp.Combine("cancelled"), modules,
            (m, _) => { cts.Cancel(); return a.GetModule(m.Name)!.ReadUnits(); }, new AdapterWriteOptions(), cts.Token));
        Assert.Equal(new[] { "a", "out" }, Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName).OrderBy(s => s));
    }

    [Fact]
    public void Metadata_IsFormatPtPlusLoraLegoProvenance()
    {
        using var tmp = new TempFolder();
        var a = Crafted(tmp, "a", 2, 2, "", ("l.q_proj", 8, 8));
        var target = Rewrite(a, tmp.Combine("out"), new AdapterWriteOptions
        {
            Provenance = new Dictionary<string, string> { ["method"] = "concat", ["loralego.sources"] = "a" },
        });
        var (md, _) = Header(Path.Combine(target, "adapter_model.safetensors"));
        Assert.Equal(new[] { "format", "loralego.method", "loralego.sources" }, md.Keys);
        Assert.Equal(("pt", "concat", "a"), (md["format"], md["loralego.method"], md["loralego.sources"]));
    }

    [Theory]
    [InlineData(AdapterFormat.Peft)]
    [InlineData(AdapterFormat.Kohya)]
    public void ProvenanceFinishedLast_GivesTheFileWrittenWithItUpFront(AdapterFormat format)
    {
        using var tmp = new TempFolder();
        var a = Crafted(tmp, "a", 2, 2, "", ("l.0.q_proj", 8, 8), ("l.1.q_proj", 8, 8));
        var final = new Dictionary<string, string> { ["method"] = "concat", ["sources"] = "a:" + new string('7', 64) };
        var pending = new Dictionary<string, string> { ["method"] = "concat", ["sources"] = "a:" + new string('0', 64) };
        string extension = format == AdapterFormat.Kohya ? ".safetensors" : string.Empty;
        var finished = new List<string>();

        // One title for both: a kohya file's modelspec.title is otherwise its file name.
        var upFront = Rewrite(a, tmp.Combine("upfront" + extension), new AdapterWriteOptions { Format = format, Provenance = final, Title = "t" });
        var last = Rewrite(a, tmp.Combine("last" + extension), new AdapterWriteOptions
        {
            Format = format,
            Title = "t",
            Provenance = pending,
            FinishProvenance = _ =>
            {
                finished.Add("called");
                return final;
            },
        });

        Assert.Single(finished);
        string File(string written) => format == AdapterFormat.Kohya ? written : Path.Combine(written, "adapter_model.safetensors");
        Assert.Equal(System.IO.File.ReadAllBytes(File(upFront)), System.IO.File.ReadAllBytes(File(last)));
    }

    [Fact]
    public void ProvenanceThatFailsToFinish_LeavesNothing()
    {
        using var tmp = new TempFolder();
        var a = Crafted(tmp, "a", 2, 2, "", ("l.q_proj", 8, 8));
        Assert.Throws<IOException>(() => Rewrite(a, tmp.Combine("out"), new AdapterWriteOptions
        {
            Provenance = new Dictionary<string, string> { ["sources"] = "pending" },
            FinishProvenance = _ => throw new IOException("a source vanished while it was hashed"),
        }));
        Assert.Equal(new[] { "a" }, Directory.GetFileSystemEntries(tmp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void UnwritableRequests_AreRefusedWithIds()
    {
        using var tmp = new TempFolder();
        var a = Crafted(tmp, "a", 2, 2, "", ("l.q_proj", 8, 8));
        Assert.Equal("OutputNameUnmapped", Assert.Throws<AdapterException>(() => Rewrite(a, tmp.Combine("d"), new AdapterWriteOptions { Format = AdapterFormat.Diffusers })).ErrorId);
        Assert.Equal("OutputFormatNotSupported", Assert.Throws<AdapterException>(() => Rewrite(a, tmp.Combine("f64"), new AdapterWriteOptions { DType = SafeTensorDType.F64 })).ErrorId);

        var gpt = Crafted(tmp, "g", 2, 2, "\"fan_in_fan_out\": true", ("l.q_proj", 8, 8));
        var e = Assert.Throws<AdapterException>(() => AdapterWriter.Write(tmp.Combine("mix"), new[] { OutputModule.Like(a.Modules[0], 2) },
            (m, _) => a.Modules[0].ReadUnits(), new AdapterWriteOptions { Sources = new[] { a, gpt } }));
        Assert.Equal("OutputSourcesConflict", e.ErrorId);
    }
}
