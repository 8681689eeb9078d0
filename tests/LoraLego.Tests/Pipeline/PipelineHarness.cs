using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Merging;
using LoraLego.Pipeline;
using LoraLego.Tests.Formats;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Tests.Pipeline;

/// <summary>The engine half of Split-LoraMsu | [Invoke-LoraCluster] | Merge-LoraAdapter, driven the way the cmdlets drive it.</summary>
internal static class PipelineHarness
{
    public static List<LoraUnit> Split(IEnumerable<LoraAdapter> adapters, double weight = 1.0) =>
        adapters.SelectMany(a => a.Modules).SelectMany(m => Enumerable.Range(0, m.Rank).Select(i => new LoraUnit(m, i, weight))).ToList();

    public static UnitCollector Collect(IEnumerable<LoraUnit> units)
    {
        var c = new UnitCollector();
        foreach (var u in units) c.Add(u);
        return c;
    }

    public static List<LoraUnit> Cluster(IEnumerable<LoraUnit> units, MergeOptions options) =>
        Collect(units).Pools.SelectMany(p => ClusterStage.Run(p, options, CancellationToken.None)).ToList();

    /// <summary>Writes the units as one adapter with the method (Concat by default) and loads it back.</summary>
    public static LoraAdapter Merge(IEnumerable<LoraUnit> units, string folder, string method = "Concat", MergeOptions? options = null)
    {
        options ??= new MergeOptions();
        var collector = Collect(units);
        var m = MergeMethodRegistry.Get(method);
        var blocks = collector.Pools.ToDictionary(p => p.Module, p => MergeStage.MergeModule(p, m, options, CancellationToken.None));
        var sources = MergeStage.Sources(collector);
        var outputs = collector.Pools.Select(p => MergeStage.OutputFor(p, blocks[p.Module].Count)).ToList();
        var written = AdapterWriter.Write(folder, outputs, (o, _) => blocks[o.Name], new AdapterWriteOptions
        {
            Sources = sources,
            Provenance = MergeStage.Provenance(collector, sources, m.Name, options),
        });
        return AdapterLoader.Load(written);
    }

    /// <summary>Σ over the adapters that have the module of weight · scale · B · A, computed densely.</summary>
    public static Matrix<double> SumOfDeltas(IEnumerable<LoraAdapter> adapters, string module, double weight = 1.0)
    {
        Matrix<double>? sum = null;
        foreach (var a in adapters)
        {
            var m = a.GetModule(module);
            if (m is null) continue;
            var d = Dense.Delta(m) * weight;
            sum = sum is null ? d : sum + d;
        }

        return sum ?? throw new InvalidOperationException($"no adapter has {module}");
    }

    public static string Temp(string name) => Path.Combine(Path.GetTempPath(), "loralego-pipe-" + Guid.NewGuid().ToString("N"), name);
}
