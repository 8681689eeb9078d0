using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Resizing;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Bench.Resize;

/// <summary>
/// gen &lt;dir&gt;: write the 8 Llama-2-7B-shaped adapters (bench/ReadThroughput/SyntheticAdapters.cs).
/// run &lt;dir&gt; [--rank 8] [--energy 0.9] [--reps 3] [--dense-modules 1]: resize every module of every
/// adapter from the factors (ResizedModule.Resize, what Resize-LoraAdapter runs per module), median
/// of --reps passes, one module at a time; then the dense baseline on the first --dense-modules
/// 4096 × 4096 modules of adapter_0: form ΔW = s·B·A (MathNet, float64), MathNet's dense SVD with
/// vectors, truncate. Prints times (wall and process CPU), the ratio per module and extrapolated
/// to the set, and the agreement: singular values, chosen ranks, truncated deltas.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "gen")
        {
            LoraLego.Bench.ReadThroughput.SyntheticAdapters.Generate(args[1]);
            return 0;
        }

        if (args.Length >= 2 && args[0] == "analyse") return Analyse(args[1]);
        if (args.Length < 2 || args[0] != "run")
        {
            Console.Error.WriteLine("usage: Resize gen <dir> | run <dir> [--rank 8] [--energy 0.9] [--reps 3] [--dense-modules 1] | analyse <dir>");
            return 2;
        }

        int rank = Option(args, "--rank", 8);
        double energy = Option(args, "--energy", 0.9);
        int reps = Option(args, "--reps", 3);
        int denseModules = Option(args, "--dense-modules", 1);
        var adapters = Directory.GetDirectories(args[1], "adapter_*").OrderBy(d => d, StringComparer.Ordinal).Select(d => AdapterLoader.Load(d)).ToList();
        var modules = adapters.SelectMany(a => a.Modules).ToList();
        Console.WriteLine($"{adapters.Count} adapters, {modules.Count} modules, rank {adapters[0].Rank}; target rank {rank}, energy ratio {energy}; cores {Environment.ProcessorCount}; load {LoadAverage()}");

        var fixedRank = ResizeOptions.Fixed(rank);
        ResizedModule.Resize(modules[0], fixedRank); // JIT warm-up
        var walls = new List<double>();
        var cpus = new List<double>();
        var perModule = new Dictionary<LoraModule, List<double>>();
        for (int rep = 0; rep < reps; rep++)
        {
            double cpu = CpuSeconds();
            var sw = Stopwatch.StartNew();
            foreach (var m in modules)
            {
                var one = Stopwatch.StartNew();
                ResizedModule.Resize(m, fixedRank);
                if (!perModule.TryGetValue(m, out var list)) perModule[m] = list = new List<double>();
                list.Add(one.Elapsed.TotalSeconds);
            }

            walls.Add(sw.Elapsed.TotalSeconds);
            cpus.Add(CpuSeconds() - cpu);
            Console.WriteLine($"factors, rank {rank}, pass {rep + 1}: {walls[rep]:F2} s wall, {cpus[rep]:F2} s CPU");
        }

        double factorWall = Median(walls), factorCpu = Median(cpus);
        Console.WriteLine($"factors, rank {rank}: median {factorWall:F2} s wall, {factorCpu:F2} s CPU for {modules.Count} modules ({factorWall / modules.Count * 1000:F1} ms per module)");

        var sw2 = Stopwatch.StartNew();
        var dynamic = modules.Select(m => ResizedModule.Resize(m, ResizeOptions.Dynamic(RankCriterion.Frobenius, energy)).Report).ToList();
        Console.WriteLine($"factors, energy ratio {energy}: {sw2.Elapsed.TotalSeconds:F2} s wall; new ranks {string.Join(", ", dynamic.GroupBy(r => r.NewRank).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"))}; min energy kept {dynamic.Min(r => r.EnergyKept):F4}");

        foreach (var m in modules.Where(m => m.Adapter == adapters[0] && m.InFeatures == 4096 && m.OutFeatures == 4096).Take(denseModules))
            Dense(m, rank, energy, Median(perModule[m]), factorWall / modules.Count, modules.Count);

        Console.WriteLine($"load at the end: {LoadAverage()}");
        return 0;
    }

    /// <summary>The other two analyses on the same set, as Measure-LoraAdapter and Compare-LoraAdapter run them (one thread for the modules).</summary>
    private static int Analyse(string root)
    {
        var adapters = Directory.GetDirectories(root, "adapter_*").OrderBy(d => d, StringComparer.Ordinal).Select(d => AdapterLoader.Load(d)).ToList();
        var modules = adapters.SelectMany(a => a.Modules).ToList();
        LoraLego.Analysis.ModuleSpectrum.Measure(modules[0]);
        double cpu = CpuSeconds();
        var sw = Stopwatch.StartNew();
        foreach (var m in modules) LoraLego.Analysis.ModuleSpectrum.Measure(m);
        Console.WriteLine($"spectra of {modules.Count} modules: {sw.Elapsed.TotalSeconds:F2} s wall, {CpuSeconds() - cpu:F2} s CPU; load {LoadAverage()}");
        cpu = CpuSeconds();
        sw.Restart();
        var plan = new LoraLego.Analysis.SimilarityPlan(adapters);
        var results = plan.Modules.SelectMany(m => plan.CompareModule(m)).ToList();
        var summaries = plan.Summarize(results);
        Console.WriteLine($"all {plan.Pairs.Count} pairs over {plan.Modules.Count} modules ({results.Count} module comparisons): {sw.Elapsed.TotalSeconds:F2} s wall, {CpuSeconds() - cpu:F2} s CPU; cosines {summaries.Min(s => s.Cosine):F4} to {summaries.Max(s => s.Cosine):F4}; load {LoadAverage()}");
        return 0;
    }

    private static void Dense(LoraModule module, int rank, double energy, double factorSeconds, double factorMean, int moduleCount)
    {
        var units = module.ReadUnits();
        double cpu = CpuSeconds();
        var sw = Stopwatch.StartNew();
        var delta = DeltaOf(units);
        var svd = delta.Svd(computeVectors: true);
        var truncated = Matrix<double>.Build.Dense(delta.RowCount, delta.ColumnCount);
        for (int i = 0; i < rank; i++) truncated += svd.S[i] * svd.U.Column(i).OuterProduct(svd.VT.Row(i));
        double wall = sw.Elapsed.TotalSeconds, cpuUsed = CpuSeconds() - cpu;
        Console.WriteLine($"dense {module.Name} ({module.OutFeatures}×{module.InFeatures}): {wall:F1} s wall, {cpuUsed:F1} s CPU; factors on the same module {factorSeconds * 1000:F1} ms wall (median)");
        Console.WriteLine($"  ratio on this module: {wall / factorSeconds:F0}× wall; against the mean factor time per module of the set: {wall / factorMean:F0}×; set extrapolated from this module: dense ≈ {wall * moduleCount / 3600:F1} h vs factors {factorMean * moduleCount:F1} s");

        var ours = ResizedModule.Resize(module, ResizeOptions.Fixed(rank));
        double sigmaDiff = 0;
        for (int i = 0; i < ours.Report.SingularValues.Count; i++) sigmaDiff = Math.Max(sigmaDiff, Math.Abs(ours.Report.SingularValues[i] - svd.S[i]) / svd.S[0]);
        double restDense = svd.S.Skip(ours.Report.SingularValues.Count).DefaultIfEmpty(0).Max() / svd.S[0];
        var mine = DeltaOf(ours.Units);
        double error = Frobenius(mine - truncated) / Frobenius(truncated);
        double total = svd.S.Sum(s => s * s), kept = 0;
        int denseRank = 0;
        while (Math.Sqrt(kept / total) < energy) kept += svd.S[denseRank] * svd.S[denseRank++];
        var dynamic = ResizedModule.Resize(module, ResizeOptions.Dynamic(RankCriterion.Frobenius, energy)).Report.NewRank;
        Console.WriteLine($"  agreement: max |σ_i − σ_i(dense)| / σ_1 = {sigmaDiff:G3} over {ours.Report.SingularValues.Count} values (dense σ beyond them ≤ {restDense:G3} σ_1); rank-{rank} delta relative error {error:G3}; energy-{energy} rank {dynamic} (dense {denseRank})");
    }

    private static Matrix<double> DeltaOf(UnitBlock u)
    {
        var b = Matrix<double>.Build.Dense(u.OutFeatures, u.Count, (o, i) => u.Scale[i] * u.BT[((long)i * u.OutFeatures) + o]);
        var a = Matrix<double>.Build.Dense(u.Count, u.InFeatures, (i, k) => u.A[((long)i * u.InFeatures) + k]);
        return b * a;
    }

    private static double Frobenius(Matrix<double> m)
    {
        double sum = 0;
        foreach (double x in m.Enumerate()) sum += x * x;
        return Math.Sqrt(sum);
    }

    private static double Median(List<double> x)
    {
        var s = x.OrderBy(v => v).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
    }

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static T Option<T>(string[] args, string name, T fallback) where T : IConvertible
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? (T)Convert.ChangeType(args[i + 1], typeof(T), CultureInfo.InvariantCulture) : fallback;
    }
}
