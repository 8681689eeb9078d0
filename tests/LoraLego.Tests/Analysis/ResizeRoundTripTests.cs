using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats;
using LoraLego.Resizing;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Analysis;

/// <summary>Resize → write → read back: the deltas are the dense rank-k truncations and the ranks are the ones chosen.</summary>
public class ResizeRoundTripTests
{
    private static string Resize(LoraAdapter source, ResizeOptions options, AdapterFormat format, string target, out ResizedModule[] modules)
    {
        modules = source.Modules.Select(m => ResizedModule.Resize(m, options)).ToArray();
        return ResizeWriter.Write(target, source, modules, options, new AdapterWriteOptions { Format = format });
    }

    /// <summary>The written module of <paramref name="name"/>: every format reads back under the same identity.</summary>
    private static LoraModule Written(LoraAdapter back, string name) => back.GetModule(name)
        ?? throw new Xunit.Sdk.XunitException($"'{name}' is missing from the written adapter.");

    [Theory]
    [InlineData(AdapterFormat.Peft)]
    [InlineData(AdapterFormat.Kohya)]
    public void DynamicRanks_ReadBackAsTheDenseTruncation(AdapterFormat format)
    {
        using var tmp = new TempFolder();
        var source = AnalysisAdapters.Write(tmp, "src", seed: 11, modules: format == AdapterFormat.Kohya ? AnalysisAdapters.UnetModules : null);
        var options = ResizeOptions.Dynamic(RankCriterion.Frobenius, 0.95);
        var written = Resize(source, options, format, tmp.Combine(format == AdapterFormat.Peft ? "out" : "out.safetensors"), out var modules);
        var back = AdapterLoader.Load(written);
        Assert.Equal(format, back.Format);

        var ranks = modules.Select(m => m.Report.NewRank).ToList();
        Assert.True(ranks.Distinct().Count() >= 3, "the modules' spectra decay differently, so their ranks differ: " + string.Join(",", ranks));
        foreach (var m in source.Modules)
        {
            var delta = Dense.Delta(m);
            var sigma = AnalysisAdapters.Sigma(delta);
            double energy = sigma.Sum(s => s * s);
            int expected = Enumerable.Range(1, m.Rank).First(k => Math.Sqrt(sigma.Take(k).Sum(s => s * s) / energy) >= 0.95);
            var readBack = Written(back, m.Name);
            Assert.Equal(expected, readBack.Rank);
            Assert.Equal(expected, modules.Single(r => r.Report.Module == m.Name).Report.NewRank);
            Assert.Equal(1.0, readBack.Scale, 12);
            double error = Dense.RelativeError(Dense.Delta(readBack), AnalysisAdapters.Truncate(delta, expected));
            Assert.True(error <= 1e-6, $"{m.Name}: relative error {error:G3} against the dense rank-{expected} truncation");
        }
    }

    [Fact]
    public void Peft_ConfigCarriesRankAndAlphaPatterns()
    {
        using var tmp = new TempFolder();
        var source = AnalysisAdapters.Write(tmp, "src", seed: 12);
        var written = Resize(source, ResizeOptions.Dynamic(RankCriterion.SingularValueRatio, 6), AdapterFormat.Peft, tmp.Combine("out"), out var modules);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(written, "adapter_config.json")));
        int r = config.RootElement.GetProperty("r").GetInt32();
        Assert.Equal(r, config.RootElement.GetProperty("lora_alpha").GetInt32());
        var rankPattern = config.RootElement.GetProperty("rank_pattern");
        var alphaPattern = config.RootElement.GetProperty("alpha_pattern");
        foreach (var m in modules.Select(m => m.Report))
        {
            if (m.NewRank == r)
            {
                Assert.False(rankPattern.TryGetProperty(m.Module, out _), m.Module);
                continue;
            }

            Assert.Equal(m.NewRank, rankPattern.GetProperty(m.Module).GetInt32());
            Assert.Equal(m.NewRank, alphaPattern.GetProperty(m.Module).GetInt32());
        }

        Assert.True(modules.Select(m => m.Report.NewRank).Distinct().Count() > 1);
    }

    [Fact]
    public void Kohya_EveryModuleHasItsOwnAlphaEqualToItsRank()
    {
        using var tmp = new TempFolder();
        var source = AnalysisAdapters.Write(tmp, "src", seed: 13, modules: AnalysisAdapters.UnetModules);
        var written = Resize(source, ResizeOptions.Dynamic(RankCriterion.Cumulative, 0.8), AdapterFormat.Kohya, tmp.Combine("out.safetensors"), out var modules);
        var back = AdapterLoader.Load(written);
        foreach (var m in back.Modules)
        {
            Assert.NotNull(m.AlphaKey);
            Assert.Equal(m.Rank, m.Alpha);
        }

        Assert.Equal(modules.Select(m => m.Report.NewRank).OrderBy(x => x), back.Modules.Select(m => m.Rank).OrderBy(x => x));
    }

    [Fact]
    public void FixedRank_IsTheTruncation_AndLowerRankModulesKeepTheirs()
    {
        using var tmp = new TempFolder();
        var source = AnalysisAdapters.Write(tmp, "src", seed: 14, rank: 4, alpha: 2);
        var back = AdapterLoader.Load(Resize(source, ResizeOptions.Fixed(2), AdapterFormat.Peft, tmp.Combine("r2"), out var r2));
        foreach (var m in source.Modules)
        {
            var delta = Dense.Delta(m);
            Assert.True(Dense.RelativeError(Dense.Delta(back.GetModule(m.Name)!), AnalysisAdapters.Truncate(delta, 2)) <= 1e-6, m.Name);
            var report = r2.Single(x => x.Report.Module == m.Name).Report;
            var sigma = AnalysisAdapters.Sigma(delta);
            Assert.Equal(sigma.Take(2).Sum(s => s * s) / sigma.Sum(s => s * s), report.EnergyKept, 9);
            Assert.Equal(Math.Sqrt(1 - report.EnergyKept), report.RelativeError, 12);
            Assert.Equal(4, report.OldRank);
        }

        var same = Resize(source, ResizeOptions.Fixed(16), AdapterFormat.Peft, tmp.Combine("r16"), out var r16);
        Assert.All(r16, m => Assert.Equal(4, m.Report.NewRank));
        var back16 = AdapterLoader.Load(same);
        foreach (var m in source.Modules) Assert.True(Dense.RelativeError(Dense.Delta(back16.GetModule(m.Name)!), Dense.Delta(m)) <= 1e-6, m.Name);
    }

    [Fact]
    public void ZeroModule_IsWrittenAsOneZeroUnit()
    {
        using var tmp = new TempFolder();
        var source = AnalysisAdapters.Write(tmp, "src", seed: 15, editB: (m, o, k, v) => m.Module.Contains("v_proj") ? 0 : v);
        var back = AdapterLoader.Load(Resize(source, ResizeOptions.Dynamic(RankCriterion.Frobenius, 0.9, minRank: 2), AdapterFormat.Peft, tmp.Combine("out"), out var modules));
        var zero = back.Modules.Single(m => m.Name.Contains("v_proj"));
        Assert.Equal(1, zero.Rank);
        Assert.Equal(0, Dense.Frobenius(Dense.Delta(zero)));
        Assert.All(back.Modules.Where(m => m != zero), m => Assert.True(m.Rank >= 2));
    }

    [RealFixtureFact]
    public void RealKohyaConvAdapter_RoundTripsAtRankTwo()
    {
        var source = AdapterLoader.Load(RealFixtures.Folder(Path.Combine("sd15-unet", "flowers")));
        using var tmp = new TempFolder();
        var options = ResizeOptions.Fixed(2);
        var back = AdapterLoader.Load(Resize(source, options, AdapterFormat.Kohya, tmp.Combine("flowers-r2.safetensors"), out _));
        Assert.Equal(source.ModuleCount, back.ModuleCount);
        var bySize = source.Modules.OrderBy(m => (long)m.InFeatures * m.OutFeatures).ToList();
        foreach (var m in bySize.Take(3).Concat(bySize.Where(x => x.Kind == ModuleKind.Conv).Take(1)))
        {
            var readBack = Written(back, m.Name);
            Assert.Equal(Math.Min(2, m.Rank), readBack.Rank);
            Assert.Equal(m.Kind, readBack.Kind);
            Assert.True(Dense.RelativeError(Dense.Delta(readBack), AnalysisAdapters.Truncate(Dense.Delta(m), readBack.Rank)) <= 1e-6, m.Name);
        }
    }

    [Theory]
    [InlineData(AdapterFormat.Kohya)]
    [InlineData(AdapterFormat.Peft)]
    public void KohyaConvModule_KeepsItsKernelShape(AdapterFormat format)
    {
        using var tmp = new TempFolder();
        const string conv = "lora_unet_down_blocks_0_resnets_0_conv1";
        const string linear = "lora_unet_down_blocks_0_attentions_0_proj_in";
        var file = tmp.Combine("conv.safetensors");
        TestFiles.WriteSafeTensors(file, new[]
        {
            TestTensor.F32(conv + ".lora_down.weight", new long[] { 5, 6, 3, 3 }, TestFiles.Values(270, 1)),
            TestTensor.F32(conv + ".lora_up.weight", new long[] { 10, 5, 1, 1 }, TestFiles.Values(50, 2)),
            TestTensor.F32(conv + ".alpha", new long[0], new[] { 2f }),
            TestTensor.F32(linear + ".lora_down.weight", new long[] { 5, 12 }, TestFiles.Values(60, 3)),
            TestTensor.F32(linear + ".lora_up.weight", new long[] { 8, 5 }, TestFiles.Values(40, 4)),
            TestTensor.F32(linear + ".alpha", new long[0], new[] { 5f }),
        });
        var source = AdapterLoader.Load(file);
        var back = AdapterLoader.Load(Resize(source, ResizeOptions.Fixed(3), format, tmp.Combine(format == AdapterFormat.Kohya ? "out.safetensors" : "out"), out _));
        var m = source.Modules.Single(x => x.Kind == ModuleKind.Conv);
        var readBack = Written(back, m.Name);
        Assert.Equal(ModuleKind.Conv, readBack.Kind);
        Assert.Equal(new long[] { 3, 6, 3, 3 }, readBack.AShape);
        Assert.Equal(new long[] { 10, 3, 1, 1 }, readBack.BShape);
        foreach (var x in source.Modules)
            Assert.True(Dense.RelativeError(Dense.Delta(Written(back, x.Name)), AnalysisAdapters.Truncate(Dense.Delta(x), 3)) <= 1e-6, x.Name);
    }

    [RealFixtureFact]
    public void RealSequenceClassifier_KeepsItsHeadAndConfig()
    {
        var source = AdapterLoader.Load(RealFixtures.Folder(Path.Combine("gpt2", "emotion-cls")));
        using var tmp = new TempFolder();
        var back = AdapterLoader.Load(Resize(source, ResizeOptions.Dynamic(RankCriterion.Frobenius, 0.8), AdapterFormat.Peft, tmp.Combine("small"), out var modules));
        Assert.Equal(source.ExtraTensors.Select(e => e.Name), back.ExtraTensors.Select(e => e.Name));
        Assert.Equal(source.ExtraTensors.Select(e => Convert.ToBase64String(e.ReadRaw())), back.ExtraTensors.Select(e => Convert.ToBase64String(e.ReadRaw())));
        Assert.Equal(source.ModulesToSave, back.ModulesToSave);
        Assert.Equal(source.TaskType, back.TaskType);
        Assert.Equal(source.FanInFanOut, back.FanInFanOut);
        Assert.All(modules, m => Assert.True(m.Report.FrobeniusKept >= 0.8));
    }

    [Fact]
    public void NonFiniteModule_IsRefused()
    {
        using var tmp = new TempFolder();
        var source = AnalysisAdapters.Write(tmp, "src", seed: 16, editB: (m, o, k, v) => o == 0 && k == 0 && m.Module.Contains("down") ? float.PositiveInfinity : v);
        var e = Assert.Throws<LoraLegoException>(() => ResizedModule.Resize(source.Modules.Single(m => m.Name.Contains("down")), ResizeOptions.Fixed(2)));
        Assert.Equal("NonFiniteWeights", e.ErrorId);
    }
}
