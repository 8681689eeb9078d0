using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Merging;
using LoraLego.Pipeline;
using LoraLego.SafeTensors;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Pipeline;

/// <summary>
/// Merge-LoraAdapter's Concat output (ConcatWriter: each unit's scale folded in while it is encoded)
/// is byte for byte what merging every module with ConcatMethod and writing the blocks gives, which
/// is how it was written before.
/// </summary>
public sealed class ConcatWriterTests
{
    private static readonly MergeOptions Concat = new();

    [Theory]
    [InlineData(AdapterFormat.Peft, SafeTensorDType.F32)]
    [InlineData(AdapterFormat.Peft, SafeTensorDType.BF16)]
    [InlineData(AdapterFormat.Peft, SafeTensorDType.F16)]
    [InlineData(AdapterFormat.Kohya, SafeTensorDType.F32)]
    public void SplitAndComputedUnits_SameBytesAsConcatMethodThenWrite(AdapterFormat format, SafeTensorDType dtype)
    {
        using var tmp = new TempFolder();

        // Scales α/r of 7/3 and 2/4; the wide module at rank 3 + 4 = 7 takes A and B over several of the
        // writer's 2^18-value chunks, which then start in the middle of a row.
        var x = Source(tmp, "x", r: 3, alpha: 7, wide: 40_000);
        var y = Source(tmp, "y", r: 4, alpha: 2, wide: 40_000);
        var narrow = x.GetModule("unet." + NarrowModule)!;
        var units = PipelineHarness.Split(new[] { x })
            .Concat(PipelineHarness.Split(new[] { y }, weight: -0.5))
            .Concat(new[]
            {
                Computed(narrow, 0, scale: -1.75, seed: 9, x, y),
                Computed(narrow, 1, scale: 0.0, seed: 11, x, y),
                Computed(narrow, 2, scale: 3e-5, seed: 13, x, y),
            });

        AssertSameBytes(tmp, PipelineHarness.Collect(units), format, dtype);
    }

    /// <summary>What -Force merges: NaN (a signalling payload too) and ±Inf values, and NaN and infinite scales.</summary>
    [Theory]
    [InlineData(SafeTensorDType.F32)]
    [InlineData(SafeTensorDType.BF16)]
    public void NonFiniteValuesAndScales_SameBytesAsConcatMethodThenWrite(SafeTensorDType dtype)
    {
        using var tmp = new TempFolder();
        var a = TestFiles.Values(4 * 16, 1);
        a[3] = BitConverter.UInt32BitsToSingle(0x7F800001);
        a[20] = float.PositiveInfinity;
        a[40] = float.NegativeInfinity;
        var b = TestFiles.Values(24 * 4, 2);
        b[7] = float.NaN;
        var tensors = new[]
        {
            TestTensor.F32("base_model.model.m.0.q_proj.lora_A.weight", new long[] { 4, 16 }, a),
            TestTensor.F32("base_model.model.m.0.q_proj.lora_B.weight", new long[] { 24, 4 }, b),
        };
        var source = AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("bad"), TestFiles.PeftConfig(4, 8), tensors));
        var module = source.GetModule("m.0.q_proj")!;
        var units = new[] { new LoraUnit(module, 0, double.NaN), new LoraUnit(module, 1, double.PositiveInfinity), new LoraUnit(module, 2, 1.0), new LoraUnit(module, 3, -2.0) };

        AssertSameBytes(tmp, PipelineHarness.Collect(units), AdapterFormat.Peft, dtype);
    }

    [RealFixtureFact]
    public void CentroidsOfFourGpt2Adapters_SameBytesAsConcatMethodThenWrite()
    {
        using var tmp = new TempFolder();
        var sources = new[] { "gpt2/tigrinya", "gpt2/emotion-cls", "gpt2/sentiment-cls", "gpt2/causal-demo" }.Select(n => AdapterLoader.Load(RealFixtures.Folder(n)));
        var centroids = PipelineHarness.Cluster(PipelineHarness.Split(sources), new MergeOptions { Rank = 6, Seed = 1 });

        AssertSameBytes(tmp, PipelineHarness.Collect(centroids), AdapterFormat.Peft, SafeTensorDType.BF16);
    }

    private const string WideModule = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
    private const string NarrowModule = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_v";

    private static LoraAdapter Source(TempFolder tmp, string name, int r, double alpha, int wide)
    {
        ulong seed = (ulong)name[0];
        // Real SD 1.x UNet layers (widths aside: names decide the family), so the kohya case has names kohya maps.
        var tensors = TestFiles.PeftLinear(WideModule, r, wide, wide, seed).Concat(TestFiles.PeftLinear(NarrowModule, r, 16, 24, seed + 1));
        return AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine(name), TestFiles.PeftConfig(r, alpha), tensors));
    }

    private static LoraUnit Computed(LoraModule template, int index, double scale, ulong seed, params LoraAdapter[] origins) =>
        new("lego", template, index, TestFiles.Values(template.InFeatures, seed), TestFiles.Values(template.OutFeatures, seed + 1), scale, "Lego",
            origins, new Dictionary<string, string> { ["method"] = "Lego" });

    private static void AssertSameBytes(TempFolder tmp, UnitCollector collector, AdapterFormat format, SafeTensorDType dtype)
    {
        var sources = MergeStage.Sources(collector);
        var options = new AdapterWriteOptions
        {
            Format = format,
            DType = dtype,
            Sources = sources,
            Provenance = MergeStage.Provenance(collector, sources, ConcatMethod.MethodName, Concat),
            Title = "concat", // else a kohya file's modelspec.title is its file name, which differs here
        };
        string extension = format == AdapterFormat.Kohya ? ".safetensors" : string.Empty;
        var byName = collector.Pools.ToDictionary(p => p.Module, StringComparer.Ordinal);
        var outputs = collector.Pools.Select(p => MergeStage.OutputFor(p, p.Units.Count)).ToList();

        var blocks = AdapterWriter.Write(tmp.Combine("blocks" + extension), outputs,
            (m, token) => MergeStage.MergeModule(byName[m.Name], new ConcatMethod(), Concat, token), options);
        var written = new List<string>();
        var streamed = ConcatWriter.Write(tmp.Combine("streamed" + extension), collector.Pools, options, m => written.Add(m.Name), CancellationToken.None);

        Assert.Equal(outputs.Select(m => m.Name), written);
        var expected = format == AdapterFormat.Kohya ? new[] { blocks } : Directory.GetFiles(blocks).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        var actual = format == AdapterFormat.Kohya ? new[] { streamed } : Directory.GetFiles(streamed).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (format == AdapterFormat.Peft) Assert.Equal(expected.Select(Path.GetFileName), actual.Select(Path.GetFileName));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(File.ReadAllBytes(expected[i]).AsSpan().SequenceEqual(File.ReadAllBytes(actual[i])), $"{Path.GetFileName(actual[i])} differs");
        }
    }
}
