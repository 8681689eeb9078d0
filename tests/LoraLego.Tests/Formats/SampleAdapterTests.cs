using System;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using Xunit;

namespace LoraLego.Tests.Formats;

/// <summary>The generated samples in samples/adapters (committed) are what SampleGen promises.</summary>
public class SampleAdapterTests
{
    private static string Samples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LoraLego.sln"))) return Path.Combine(dir.FullName, "samples", "adapters");
        }

        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }

    private static double Cosine(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i < x.Length; i++) { xy += x[i] * y[i]; xx += x[i] * x[i]; yy += y[i] * y[i]; }
        return xy / Math.Sqrt(xx * yy);
    }

    [Fact]
    public void Samples_HaveTheirRanksAlphasAndSharedUnits()
    {
        var alpha = AdapterLoader.Load(Path.Combine(Samples(), "alpha"));
        var beta = AdapterLoader.Load(Path.Combine(Samples(), "beta"));
        var gamma = AdapterLoader.Load(Path.Combine(Samples(), "gamma"));
        Assert.Equal(("4", 8.0, "4", 16.0, "8", 8.0), (alpha.Rank, alpha.Alpha, beta.Rank, beta.Alpha, gamma.Rank, gamma.Alpha));
        Assert.All(new[] { alpha, beta, gamma }, a => Assert.Equal(8, a.ModuleCount));
        Assert.All(new[] { alpha, beta, gamma }, a => Assert.All(a.Modules, m => Assert.Equal((64, 64), (m.InFeatures, m.OutFeatures))));
        Assert.True(alpha.SizeBytes + beta.SizeBytes + gamma.SizeBytes < 2_000_000);

        var ua = alpha.Modules[3].ReadUnits();
        var ub = beta.Modules[3].ReadUnits();
        var ug = gamma.Modules[3].ReadUnits();
        // beta's units 0-1 are alpha's, perturbed; its units 2-3 are unrelated to alpha's.
        Assert.True(Cosine(ua.UnitA(0), ub.UnitA(0)) > 0.98);
        Assert.True(Cosine(ua.UnitB(1), ub.UnitB(1)) > 0.98);
        Assert.True(Math.Abs(Cosine(ua.UnitA(2), ub.UnitA(2))) < 0.5);
        // gamma's units 4-5 echo alpha's 2-3, units 6-7 echo beta's 2-3.
        Assert.True(Cosine(ua.UnitA(2), ug.UnitA(4)) > 0.98);
        Assert.True(Cosine(ub.UnitA(3), ug.UnitA(7)) > 0.98);
    }
}
