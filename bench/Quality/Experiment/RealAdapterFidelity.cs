using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Measuring;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Bench.Quality;

/// <summary>
/// A check on real adapters (the shared fixtures): no task data comes with them, so instead of accuracy
/// this measures how much of the exact sum each merge keeps, module by module, with the engine's
/// MergeMeasurer: the error left after the best global output scale (sin of the angle between the
/// merged delta and the sum, so sum- and average-style methods compare fairly), the energy of the sum
/// inside the merged delta's spaces, and the worst source's retention.
/// </summary>
internal static class RealAdapterFidelity
{
    private static readonly (string Group, string[] Adapters)[] Groups =
    {
        ("gpt2 (4 adapters, c_attn)", new[] { "gpt2/tigrinya", "gpt2/emotion-cls", "gpt2/sentiment-cls", "gpt2/causal-demo" }),
        ("sd15-unet (2 adapters, r 4 + 8)", new[] { "sd15-unet/flowers", "sd15-unet/difusor" }),
    };

    private static readonly string[] Methods = { "Svd", "Lego", "LegoRankOne", "ties", "magnitude_prune" };

    public static string Run(string fixturesRoot, IReadOnlyList<int> ranks, Action<string> log)
    {
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        var sizes = new StringBuilder();
        md.AppendLine("| adapters | k | method | error after best scale | energy captured | worst retention |");
        md.AppendLine("|---|---:|---|---:|---:|---:|");
        foreach (var (group, names) in Groups)
        {
            var paths = names.Select(n => Path.Combine(fixturesRoot, n)).ToArray();
            if (!paths.All(Directory.Exists))
            {
                log($"real adapters: {group} skipped, fixtures missing under {fixturesRoot}");
                continue;
            }

            var adapters = paths.Select(p => AdapterLoader.Load(p)).ToArray();
            var shared = adapters[0].Modules.Select(m => m.Name).Where(n => adapters.All(a => a.GetModule(n) is not null)).ToArray();
            var inputs = shared.Select(n =>
            {
                var modules = adapters.Select(a => a.GetModule(n)!).ToArray();
                return new ModuleMergeInput(n, modules[0].InFeatures, modules[0].OutFeatures, modules.Select(m => m.ReadUnits()).ToArray());
            }).ToArray();
            log($"real adapters: {group}, {inputs.Length} shared modules");
            var concat = inputs.Select(input => MergeMeasurer.Measure(input, MergeMethodRegistry.Get("Concat").Merge(input, new MergeOptions(), CancellationToken.None))).ToArray();
            var norms = Enumerable.Range(0, names.Length).Select(i => concat.Average(m => m.Sources[i].Norm)).ToArray();
            sizes.AppendLine(string.Format(inv, "| {0} | {1} | {2} |", group, inputs.Length,
                string.Join(", ", names.Select((n, i) => $"{Path.GetFileName(n)} {norms[i].ToString("F2", inv)}"))));

            foreach (int k in ranks)
            {
                foreach (string method in Methods.Where(m => MergeMethodRegistry.TryGet(m, out _)))
                {
                    var measured = inputs.Select(input =>
                        MergeMeasurer.Measure(input, MergeMethodRegistry.Get(method).Merge(input, new MergeOptions { Rank = k, Seed = 1 }, CancellationToken.None))).ToArray();
                    md.AppendLine(string.Format(inv, "| {0} | {1} | {2} | {3:F3} | {4:F3} | {5:F3} |",
                        group, k, method, measured.Average(ScaleFreeError), measured.Average(m => m.EnergyCaptured), measured.Average(m => m.Sources.Min(s => s.Retention))));
                }
            }
        }

        var head = new StringBuilder();
        head.AppendLine("**Real adapters** (shared fixtures; every module all adapters of a group share; weight 1 each). Source sizes:");
        head.AppendLine();
        head.AppendLine("| adapters | shared modules | mean ‖ΔS_i‖_F per module |");
        head.AppendLine("|---|---:|---|");
        head.Append(sizes);
        head.AppendLine();
        head.AppendLine("Means over the modules: error after best scale = √(1 − cos²(ΔM, ΣΔS)); energy = share of ‖ΣΔS‖² inside ΔM's column and row spaces; worst retention = the lowest per-source retention ‖P_U ΔS_i P_V‖ / ‖ΔS_i‖.");
        head.AppendLine();
        return head.ToString() + md.ToString();
    }

    /// <summary>min over s of ‖s·ΔM − ΣΔS‖ / ‖ΣΔS‖ = √(1 − cos²), with ⟨ΔM, ΣΔS⟩ recovered from the three norms.</summary>
    private static double ScaleFreeError(ModuleMeasurement m)
    {
        double merged = m.MergedNorm, sum = m.SourceSumNorm, err = m.RelativeError * sum;
        if (merged == 0 || sum == 0) return 1;
        double inner = ((merged * merged) + (sum * sum) - (err * err)) / 2;
        double cos = inner / (merged * sum);
        return Math.Sqrt(Math.Max(0, 1 - (cos * cos)));
    }
}
