using System;
using System.IO;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Measuring;
using LoraLego.Merging;
using LoraLego.Pipeline;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Pipeline;

/// <summary>Invoke-LoraCluster's special cases (ALGORITHM.md) through the pipeline on real adapters.</summary>
public sealed class ClusterPipelineTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "loralego-cluster-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static MergeOptions Options(int? k, bool reweighting, int seed = 7) => new()
    {
        Rank = k,
        Seed = seed,
        Lego = new LegoOptions
        {
            ParameterReweighting = reweighting ? ParameterReweighting.L2 : ParameterReweighting.Off,
            OutputReweighting = reweighting ? OutputReweighting.SqrtRankRatio : OutputReweighting.Off,
        },
    };

    private static LoraAdapter[] Unet() => new[] { AdapterLoader.Load(RealFixtures.Folder("sd15-unet/flowers")), AdapterLoader.Load(RealFixtures.Folder("sd15-unet/difusor")) };

    [RealFixtureFact]
    public void KAtLeastPoolSizeWithReweightingOffIsTheConcatenation()
    {
        var sources = Unet();
        var centroids = PipelineHarness.Cluster(PipelineHarness.Split(sources), Options(k: 64, reweighting: false));
        Assert.All(centroids, c => Assert.Equal(1, c.MemberCount));
        var merged = PipelineHarness.Merge(centroids, Path.Combine(_root, "k64"));
        foreach (var module in merged.Modules)
        {
            Assert.Equal(12, module.Rank);
            var err = Dense.RelativeError(Dense.Delta(module), PipelineHarness.SumOfDeltas(sources, module.Name));
            Assert.True(err < 1e-6, $"{module.Name}: {err:E3}");
        }
    }

    [RealFixtureFact]
    public void OneAdapterWithKEqualToItsRankComesBackWithTheSameDelta()
    {
        var source = AdapterLoader.Load(RealFixtures.Folder("sd15-unet/difusor"));
        var centroids = PipelineHarness.Cluster(PipelineHarness.Split(new[] { source }), Options(k: 8, reweighting: true));
        var merged = PipelineHarness.Merge(centroids, Path.Combine(_root, "same"));
        foreach (var module in merged.Modules)
        {
            Assert.Equal(8, module.Rank);
            var err = Dense.RelativeError(Dense.Delta(module), Dense.Delta(source.GetModule(module.Name)!));
            Assert.True(err < 1e-6, $"{module.Name}: {err:E3}");
        }
    }

    [RealFixtureFact]
    public void KBelowRankPrunesAndTheErrorIsMeasuredAndNoBetterThanSvd()
    {
        var source = AdapterLoader.Load(RealFixtures.Folder("sd15-unet/difusor"));
        var units = PipelineHarness.Split(new[] { source });
        var pruned = PipelineHarness.Merge(PipelineHarness.Cluster(units, Options(k: 3, reweighting: true)), Path.Combine(_root, "pruned"));
        var svd = PipelineHarness.Merge(units, Path.Combine(_root, "svd"), "Svd", new MergeOptions { Rank = 3 });
        Assert.All(pruned.Modules, m => Assert.Equal(3, m.Rank));
        foreach (var module in pruned.Modules)
        {
            var expected = Dense.Delta(source.GetModule(module.Name)!);
            double legoErr = Dense.RelativeError(Dense.Delta(module), expected);
            double svdErr = Dense.RelativeError(Dense.Delta(svd.GetModule(module.Name)!), expected);
            Assert.InRange(legoErr, 1e-3, 10);
            Assert.True(svdErr <= legoErr + 1e-9, $"{module.Name}: svd {svdErr} > lego {legoErr}");

            // The reported error (Measure-LoraMerge's engine) agrees with the dense computation.
            var measured = MeasureStage.Measure(pruned, new[] { source }, new[] { 1.0 }, module.Name, CancellationToken.None);
            Assert.Equal(legoErr, measured.RelativeError, 4);
        }
    }

    [RealFixtureFact]
    public void PermutingTheInputUnitsChangesNothing()
    {
        var sources = Unet();
        var units = PipelineHarness.Split(sources);
        var shuffled = units.OrderBy(u => (u.Index * 7919 + u.Module.GetHashCode()) & 0xffff).Reverse().ToList();
        Assert.NotEqual(units.Select(u => u.ToString()), shuffled.Select(u => u.ToString()));

        var a = PipelineHarness.Merge(PipelineHarness.Cluster(units, Options(k: 5, reweighting: true)), Path.Combine(_root, "a"));
        var b = PipelineHarness.Merge(PipelineHarness.Cluster(shuffled, Options(k: 5, reweighting: true)), Path.Combine(_root, "b"));
        Assert.Equal(File.ReadAllBytes(a.TensorFilePath), File.ReadAllBytes(b.TensorFilePath));

        var c = PipelineHarness.Merge(units, Path.Combine(_root, "c"));
        var d = PipelineHarness.Merge(shuffled, Path.Combine(_root, "d"));
        Assert.Equal(File.ReadAllBytes(c.TensorFilePath), File.ReadAllBytes(d.TensorFilePath));
    }

    [RealFixtureFact]
    public void TheSameSeedGivesByteIdenticalFiles()
    {
        var sources = Unet();
        var first = PipelineHarness.Merge(PipelineHarness.Cluster(PipelineHarness.Split(sources), Options(k: 6, reweighting: true, seed: 42)), Path.Combine(_root, "s1"));
        var again = PipelineHarness.Merge(PipelineHarness.Cluster(PipelineHarness.Split(Unet()), Options(k: 6, reweighting: true, seed: 42)), Path.Combine(_root, "s2"));
        var other = PipelineHarness.Merge(PipelineHarness.Cluster(PipelineHarness.Split(Unet()), Options(k: 6, reweighting: true, seed: 43)), Path.Combine(_root, "s3"));
        Assert.Equal(File.ReadAllBytes(first.TensorFilePath), File.ReadAllBytes(again.TensorFilePath));
        Assert.Equal(File.ReadAllText(first.ConfigPath!), File.ReadAllText(again.ConfigPath!));
        Assert.NotEqual(File.ReadAllBytes(first.TensorFilePath), File.ReadAllBytes(other.TensorFilePath));
    }

    [RealFixtureFact]
    public void CentroidsCarryTheirClusters()
    {
        var sources = Unet();
        var units = PipelineHarness.Split(sources);
        var centroids = PipelineHarness.Cluster(units, Options(k: 4, reweighting: true));
        foreach (var group in centroids.GroupBy(c => c.Module))
        {
            Assert.Equal(4, group.Count());
            Assert.Equal(Enumerable.Range(0, 4), group.Select(c => c.ClusterIndex));
            // Every unit of the module's pool is a member of exactly one cluster.
            var members = group.SelectMany(c => c.Members).Select(m => m.ToString()).OrderBy(s => s).ToList();
            var pool = units.Where(u => u.Module == group.Key).Select(u => $"{u.Adapter}#{u.Index}").OrderBy(s => s).ToList();
            Assert.Equal(pool, members);
            Assert.All(group, c => Assert.True(c.Inertia >= 0));
            Assert.All(group, c => Assert.Equal(sources.Select(s => s.Name).Where(n => c.Members.Any(m => m.Adapter == n)).OrderBy(n => n), c.Origins.Select(o => o.Name).OrderBy(n => n)));
        }
    }

    [RealFixtureFact]
    public void ReadingIntoRecycledArraysGivesTheSameCentroids()
    {
        // Fresh adapter objects each time, so no factors are cached from the other run.
        var options = Options(k: 5, reweighting: true, seed: 3);
        var plain = PipelineHarness.Cluster(PipelineHarness.Split(Unet()), options);
        var recycler = new FactorRecycler();
        var pools = PipelineHarness.Collect(PipelineHarness.Split(Unet())).Pools;
        var recycled = pools.SelectMany(p => ClusterStage.Run(p, options, recycler, CancellationToken.None)).ToList();

        Assert.Equal(plain.Count, recycled.Count);
        for (int i = 0; i < plain.Count; i++)
        {
            Assert.Equal(plain[i].Module, recycled[i].Module);
            Assert.Equal(plain[i].GetA(), recycled[i].GetA());
            Assert.Equal(plain[i].GetB(), recycled[i].GetB());
            Assert.Equal(plain[i].Scale, recycled[i].Scale);
        }
    }
}
