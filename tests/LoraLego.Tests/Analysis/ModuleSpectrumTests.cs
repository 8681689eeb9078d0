using System;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Analysis;
using LoraLego.Diagnostics;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Analysis;

public class ModuleSpectrumTests
{
    [Fact]
    public void SingularValuesAndSummaries_MatchDenseSvdOfTheDelta()
    {
        using var tmp = new TempFolder();
        var adapter = AnalysisAdapters.Write(tmp, "a", seed: 3);
        foreach (var module in adapter.Modules)
        {
            var spectrum = ModuleSpectrum.Measure(module);
            var dense = AnalysisAdapters.Sigma(Dense.Delta(module)).Take(module.Rank).ToArray();
            Assert.Equal(module.Rank, spectrum.SingularValues.Count);
            for (int i = 0; i < dense.Length; i++) Assert.True(Math.Abs(spectrum.SingularValues[i] - dense[i]) <= 1e-10 * dense[0], $"{module.Name} σ{i + 1}");

            double energy = dense.Sum(s => s * s);
            double total = dense.Sum();
            double entropy = -dense.Select(s => s / total).Sum(p => p * Math.Log(p));
            Assert.Equal(Math.Exp(entropy), spectrum.EffectiveRank, 9);
            Assert.Equal(energy / (dense[0] * dense[0]), spectrum.StableRank, 9);
            Assert.Equal(dense[0] * dense[0] / energy, spectrum.TopShare, 9);
            Assert.Equal(Math.Sqrt(energy), spectrum.FrobeniusNorm, 9);
            Assert.Equal(Dense.Frobenius(Dense.Delta(module)), spectrum.FrobeniusNorm, 9);
            Assert.Equal(dense.Take(2).Sum(s => s * s) / energy, spectrum.EnergyKept(2), 12);
            Assert.Equal(module.Adapter.Name, spectrum.Adapter);
            Assert.Equal(module.Name, spectrum.Module);
        }
    }

    [Fact]
    public void ScaleIsPartOfTheSpectrum()
    {
        using var tmp = new TempFolder();
        var alpha6 = AnalysisAdapters.Write(tmp, "a6", seed: 5, alpha: 6);
        var alpha24 = AnalysisAdapters.Write(tmp, "a24", seed: 5, alpha: 24);
        var m6 = ModuleSpectrum.Measure(alpha6.Modules[0]);
        var m24 = ModuleSpectrum.Measure(alpha24.Modules[0]);
        Assert.Equal(4 * m6.SpectralNorm, m24.SpectralNorm, 9);
        Assert.Equal(m6.EffectiveRank, m24.EffectiveRank, 12);
    }

    [Fact]
    public void RankDeficientAndZeroDeltas()
    {
        using var tmp = new TempFolder();

        // B's last two columns zero: rank 4 of 6. All of B zero: the zero delta.
        var deficient = AnalysisAdapters.Write(tmp, "d", seed: 9, modules: AnalysisAdapters.Modules.Take(1), editB: (m, o, k, v) => k >= 4 ? 0 : v);
        var spectrum = ModuleSpectrum.Measure(deficient.Modules[0]);
        Assert.Equal(4, spectrum.SingularValues.Count);
        Assert.Equal(6, spectrum.Rank);

        var zero = AnalysisAdapters.Write(tmp, "z", seed: 9, modules: AnalysisAdapters.Modules.Take(1), editB: (m, o, k, v) => 0);
        var none = ModuleSpectrum.Measure(zero.Modules[0]);
        Assert.Empty(none.SingularValues);
        Assert.Equal(0, none.EffectiveRank);
        Assert.Equal(0, none.StableRank);
        Assert.Equal(0, none.TopShare);
        Assert.Equal(1, none.EnergyKept(1));
    }

    [Fact]
    public void NonFiniteWeights_AreRefusedNamingTheModule()
    {
        using var tmp = new TempFolder();
        var bad = AnalysisAdapters.Write(tmp, "nan", seed: 2, modules: AnalysisAdapters.Modules.Take(1), editB: (m, o, k, v) => o == 3 && k == 1 ? float.NaN : v);
        var e = Assert.Throws<LoraLegoException>(() => ModuleSpectrum.Measure(bad.Modules[0]));
        Assert.Equal("NonFiniteWeights", e.ErrorId);
        Assert.Contains(bad.Modules[0].Name, e.Message);
        Assert.Equal(bad.Modules[0].Name, e.Target);
    }

    [RealFixtureFact]
    public void RealConvAndLinearModules_MatchDenseSvd()
    {
        // The smallest modules (dense SVDs of the big ones take long) and the smallest conv module, if any.
        var adapter = AdapterLoader.Load(RealFixtures.Folder(System.IO.Path.Combine("sd15-unet", "flowers")));
        var bySize = adapter.Modules.OrderBy(m => (long)m.InFeatures * m.OutFeatures).ToList();
        foreach (var module in bySize.Take(4).Concat(bySize.Where(m => m.Kind == ModuleKind.Conv).Take(1)))
        {
            var spectrum = ModuleSpectrum.Measure(module);
            var dense = AnalysisAdapters.Sigma(Dense.Delta(module));
            for (int i = 0; i < spectrum.SingularValues.Count; i++) Assert.True(Math.Abs(spectrum.SingularValues[i] - dense[i]) <= 1e-9 * dense[0], $"{module.Name} σ{i + 1}");
            Assert.True(dense.Skip(spectrum.SingularValues.Count).All(s => s <= 1e-6 * dense[0]), module.Name);
        }
    }
}
