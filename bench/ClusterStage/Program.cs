using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Clustering;
using LoraLego.Merging;
using LoraLego.Pipeline;
using LoraLego.Units;

namespace LoraLego.Bench.ClusterStage;

/// <summary>
/// The cluster stage of the pipeline bench (bench/Pipeline) on the same data, without PowerShell:
/// 1. phases, one thread: read the factors, pool (norms, canonical factors), feature Gram, k-means,
///    and the whole LegoClusterer (pool + Gram + k-means + centroids) for comparison;
/// 2. ClusterStage.Run over all modules on 1 and 2 threads, as Invoke-LoraCluster runs it.
/// Each measurement is repeated; the first repetition includes JIT compilation.
/// Usage: ClusterStage &lt;data dir with adapter_*&gt; [repeats=3] [k=16]
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: ClusterStage <dir with adapter_* folders> [repeats=3] [k=16]   (make one with: ReadThroughput gen <dir>)");
            return 2;
        }

        int repeats = args.Length > 1 ? int.Parse(args[1]) : 3;
        int k = args.Length > 2 ? int.Parse(args[2]) : 16;
        var folders = Directory.GetDirectories(args[0], "adapter_*").OrderBy(d => d, StringComparer.Ordinal).ToArray();
        var options = new MergeOptions { Rank = k, Seed = 1 };
        Console.WriteLine($"{folders.Length} adapters, k = {k}, {Environment.ProcessorCount} cores, Vector<float>.Count = {System.Numerics.Vector<float>.Count}");

        for (int rep = 1; rep <= repeats; rep++) Phases(folders, options, rep);
        foreach (int threads in new[] { 1, 2 })
        {
            for (int rep = 1; rep <= repeats; rep++) Stage(folders, options, threads, rep);
        }

        return 0;
    }

    /// <summary>Fresh adapter objects each time, so no factors are cached from an earlier repetition.</summary>
    private static IReadOnlyList<ModulePool> Pools(string[] folders)
    {
        var collector = new UnitCollector();
        foreach (var adapter in folders.Select(f => AdapterLoader.Load(f)))
        {
            foreach (var module in adapter.Modules)
            {
                for (int i = 0; i < module.Rank; i++) collector.Add(new LoraUnit(module, i, 1.0));
            }
        }

        return collector.Pools;
    }

    private static void Phases(string[] folders, MergeOptions options, int rep)
    {
        var pools = Pools(folders);
        var lego = new LegoOptions();
        var recycler = new FactorRecycler();
        double fresh = 0, read = 0, pool = 0, gram = 0, kmeans = 0, whole = 0;
        var sw = new Stopwatch();
        foreach (var p in pools)
        {
            // As Invoke-LoraCluster reads (recycled arrays, nothing cached), then into fresh arrays as a stage
            // without a recycler would (that read goes through the factor cache, so it must come second).
            sw.Restart();
            var input = p.ToMergeInput(CancellationToken.None, recycler);
            read += sw.Elapsed.TotalSeconds;
            sw.Restart();
            p.ToMergeInput(CancellationToken.None);
            fresh += sw.Elapsed.TotalSeconds;
            sw.Restart();
            var units = UnitPool.Create(input.Sources, lego.FoldScales, lego.Canonicalize == UnitCanonicalization.BalanceAndSign);
            pool += sw.Elapsed.TotalSeconds;
            sw.Restart();
            var g = units.FeatureGram(lego.FeatureNormalization);
            gram += sw.Elapsed.TotalSeconds;
            sw.Restart();
            GramKMeans.Cluster(g, units.Count, new KMeansOptions { K = options.Rank ?? 16, Restarts = lego.Restarts, MaxIterations = lego.MaxIterations, Tolerance = lego.Tolerance, Seed = options.Seed });
            kmeans += sw.Elapsed.TotalSeconds;
            sw.Restart();
            LegoClusterer.Cluster(input, options);
            whole += sw.Elapsed.TotalSeconds;
            recycler.Return(input.Sources);
        }

        Console.WriteLine($"phases, 1 thread, run {rep}: read into fresh arrays {fresh:F2} s, into recycled arrays {read:F2} s, pool {pool:F2} s, feature Gram {gram:F2} s, k-means {kmeans:F2} s; " +
            $"whole LegoClusterer {whole:F2} s (so centroids ≈ {Math.Max(0, whole - pool - gram - kmeans):F2} s)");
    }

    private static void Stage(string[] folders, MergeOptions options, int threads, int rep)
    {
        var pools = Pools(folders);
        var recycler = new FactorRecycler();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        int next = -1;
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < pools.Count) Pipeline.ClusterStage.Run(pools[i], options, recycler, CancellationToken.None);
        })).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        process.Refresh();
        Console.WriteLine($"ClusterStage.Run, {threads} thread(s), run {rep}: {sw.Elapsed.TotalSeconds:F2} s wall, {(process.TotalProcessorTime - cpu).TotalSeconds:F2} s CPU, {pools.Count} modules");
    }
}
