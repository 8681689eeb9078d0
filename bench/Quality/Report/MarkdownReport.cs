using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace LoraLego.Bench.Quality.Report;

/// <summary>Turns the grid's results into the markdown tables of docs/benchmarks.md ("Quality").</summary>
internal static class MarkdownReport
{
    public static string Render(QualityConfig config, IReadOnlyList<SeedWorld> worlds, IReadOnlyList<GridResult> results, string command, TimeSpan elapsed, IReadOnlyList<string> missingMethods, string? adapterRoot)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine(inv, $"Machine: {Cpu()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}. Wall time {elapsed.TotalSeconds:F0} s.");
        md.AppendLine();
        md.AppendLine(inv, $"Reproduce: `{command}`");
        md.AppendLine();
        md.AppendLine(inv, $"Setup: MLP {string.Join("→", config.Dims)} (ReLU); LoRA rank r = {config.Rank}, α = {config.Alpha}{(config.AlphaSpread != 1 ? $" (÷/× {config.AlphaSpread} by task)" : "")} on {(config.LoraOnOutputLayer ? "all three" : "the two hidden")} Linear layers; seeds {string.Join(", ", config.Seeds)}; tasks per seed {config.TaskCounts.Max()}; " +
            $"{config.TaskTrainSamples} train / {config.ValidationSamples} validation / {config.TestSamples} test samples per task; output-scale grid {{{string.Join(", ", config.ScaleGrid.Select(s => s.ToString(inv)))}, T}}.");
        md.AppendLine();
        md.AppendLine(adapterRoot is null
            ? "The trained LoRAs were merged from memory (--in-memory)."
            : "Each trained LoRA was written as a PEFT adapter (adapter_model.safetensors + adapter_config.json) by the project's AdapterWriter and merged as AdapterLoader reads it back.");
        if (missingMethods.Count > 0) md.AppendLine().AppendLine(inv, $"Not in this build's registry (skipped): {string.Join(", ", missingMethods)}.");
        md.AppendLine();

        md.AppendLine("| seed | base net, generic task | base net on the tasks (mean) | own LoRA on its task (mean, min) | LoRA ‖ΔW‖_F (min–max) |");
        md.AppendLine("|---:|---:|---:|---:|---:|");
        foreach (var w in worlds)
        {
            var norms = w.LoraNorms;
            md.AppendLine(inv, $"| {w.Seed} | {w.GenericAccuracy:F3} | {w.BaseAccuracy.Average():F3} | {w.SingleTestAccuracy.Average():F3}, {w.SingleTestAccuracy.Min():F3} | {norms.Min():F2}–{norms.Max():F2} |");
        }
        md.AppendLine();

        var main = results.Where(r => r.Section == GridRunner.MainSection).ToList();
        foreach (int t in main.Select(r => r.T).Distinct().OrderBy(x => x))
        {
            var ks = main.Where(r => r.T == t).Select(r => r.K).Distinct().OrderBy(k => k).ToArray();
            md.AppendLine(inv, $"**T = {t} tasks** — normalised score (merged accuracy / own-LoRA accuracy, mean over tasks; mean ± std over seeds). \"default\": output as the method produces it; \"best\": best global scale, chosen on validation data (median choice in brackets).");
            md.AppendLine();
            md.Append("| method |");
            foreach (int k in ks) md.Append(inv, $" k={k} default | k={k} best |");
            md.AppendLine();
            md.Append("|---|");
            foreach (int _ in ks) md.Append("---:|---:|");
            md.AppendLine();
            foreach (string label in Labels(main.Where(r => r.T == t)))
            {
                md.Append(inv, $"| {label} |");
                foreach (int k in ks)
                {
                    var cell = main.Where(r => r.T == t && r.K == k && r.Label == label).ToList();
                    md.Append(inv, $" {Default(cell)} | {Best(cell)} |");
                }

                md.AppendLine();
            }

            md.AppendLine();
        }

        if (main.Any(r => r.Label == "Svd"))
        {
            Paired(md, main, "Svd", Labels(main).Where(l => l != "Svd"), r => r.Score.BestScaleScores.Average(),
                "Paired difference to Svd at the same T and k, **best scale** for each (per seed: the method's mean score minus Svd's; mean ± std over seeds; in brackets the seeds where the method is ahead):");
            Paired(md, main, "Svd", Labels(main).Where(l => l != "Svd"), r => r.Score.DefaultScores.Average(),
                "The same at the **default scale** (each method's output as it comes, no tuning):");
        }

        var lego = Labels(main).FirstOrDefault(l => l.StartsWith("Lego (defaults)", StringComparison.Ordinal));
        if (lego is not null)
        {
            Paired(md, main, lego, Labels(main).Where(l => l.StartsWith("LegoRankOne", StringComparison.Ordinal)), r => r.Score.BestScaleScores.Average(),
                "LegoRankOne against Lego (defaults), best scale each:");
            Paired(md, main, "Svd", new[] { lego }.Concat(Labels(main).Where(l => l.StartsWith("LegoRankOne", StringComparison.Ordinal))), r => r.Score.BestScaleScores.Min(),
                "**Worst task** (the lowest of the T tasks' scores, best scale), paired against Svd:");
        }

        var worst = main.Where(r => r.K == config.Rank).ToList();
        if (worst.Count > 0)
        {
            md.AppendLine(inv, $"Worst task (lowest normalised score among the T tasks, at the best scale, k = r = {config.Rank}; mean ± std over seeds):");
            md.AppendLine();
            var ts = worst.Select(r => r.T).Distinct().OrderBy(x => x).ToArray();
            md.AppendLine("| method | " + string.Join(" | ", ts.Select(t => $"T={t}")) + " |");
            md.AppendLine("|---|" + string.Concat(ts.Select(_ => "---:|")));
            foreach (string label in Labels(worst))
            {
                var cells = ts.Select(t => SeedStats.Of(worst.Where(r => r.T == t && r.Label == label).Select(r => r.Score.BestScaleScores.Min())).ToString());
                md.AppendLine("| " + label + " | " + string.Join(" | ", cells) + " |");
            }
            md.AppendLine();
        }

        var ablation = results.Where(r => r.Section == GridRunner.AblationSection).ToList();
        if (ablation.Count > 0)
        {
            md.AppendLine(inv, $"**Lego ablation** (every combination of its switches; T = {ablation[0].T}, k = {ablation[0].K}):");
            md.AppendLine();
            md.AppendLine("| Lego setting | default | best |");
            md.AppendLine("|---|---:|---:|");
            foreach (string label in Labels(ablation).OrderByDescending(l => SeedStats.Of(ablation.Where(r => r.Label == l).Select(r => r.Score.BestScaleScores.Average())).Mean))
            {
                var cell = ablation.Where(r => r.Label == label).ToList();
                md.AppendLine(inv, $"| {label} | {Default(cell)} | {Best(cell)} |");
            }

            md.AppendLine();
        }

        var pruning = results.Where(r => r.Section == GridRunner.PruningSection).ToList();
        if (pruning.Count > 0)
        {
            var ks = pruning.Select(r => r.K).Distinct().OrderByDescending(k => k).ToArray();
            md.AppendLine(inv, $"**Rank pruning** (one LoRA of rank {config.Rank} cut to k; its own task; mean over the first 4 tasks, ± std over seeds):");
            md.AppendLine();
            md.Append("| method |");
            foreach (int k in ks) md.Append(inv, $" k={k} default | k={k} best |");
            md.AppendLine();
            md.AppendLine("|---|" + string.Concat(ks.Select(_ => "---:|---:|")));
            foreach (string label in Labels(pruning))
            {
                md.Append(inv, $"| {label} |");
                foreach (int k in ks)
                {
                    var cell = pruning.Where(r => r.K == k && r.Label == label).ToList();
                    md.Append(inv, $" {Default(cell)} | {Best(cell)} |");
                }

                md.AppendLine();
            }

            md.AppendLine();
        }

        // Last, so every table above reads as it did before the rules were scored.
        RulesReport.Append(md, main);
        return md.ToString();
    }

    private static void Paired(StringBuilder md, IReadOnlyList<GridResult> main, string reference, IEnumerable<string> labels, Func<GridResult, double> metric, string title)
    {
        var points = main.Select(r => (r.T, r.K)).Distinct().OrderBy(p => p.T).ThenBy(p => p.K).ToArray();
        md.AppendLine(title);
        md.AppendLine();
        md.AppendLine("| method | " + string.Join(" | ", points.Select(p => $"T={p.T}, k={p.K}")) + " |");
        md.AppendLine("|---|" + string.Concat(points.Select(_ => "---:|")));
        foreach (string label in labels)
        {
            var cells = points.Select(p => PairedCell(PairedDiffs(main, p.T, p.K, label, metric, reference, metric)));
            md.AppendLine("| " + label + " | " + string.Join(" | ", cells) + " |");
        }

        md.AppendLine();
    }

    /// <summary>Per seed at one grid point: <paramref name="mine"/> of the method minus <paramref name="theirs"/> of the reference (same seed, same tasks).</summary>
    internal static double[] PairedDiffs(IReadOnlyList<GridResult> main, int t, int k, string label, Func<GridResult, double> mine, string reference, Func<GridResult, double> theirs) =>
        main.Where(r => r.T == t && r.K == k && r.Label == label)
            .Join(main.Where(r => r.T == t && r.K == k && r.Label == reference), r => r.Seed, r => r.Seed, (m, x) => mine(m) - theirs(x))
            .ToArray();

    /// <summary>"+0.012 ± 0.034 (5/8)": mean ± std over seeds of paired differences, and the seeds where the difference is positive.</summary>
    internal static string PairedCell(double[] diffs)
    {
        var st = SeedStats.Of(diffs);
        return string.Format(CultureInfo.InvariantCulture, "{0} ± {1:F3} ({2}/{3})", Signed(st.Mean), st.Std, diffs.Count(d => d > 0), diffs.Length);
    }

    /// <summary>+0.012 / −0.034 / 0.000 (rounded first, so a tiny negative never prints as "−0.000").</summary>
    internal static string Signed(double value)
    {
        double v = Math.Round(value, 3);
        if (v == 0) return "0.000";
        return v > 0 ? "+" + v.ToString("F3", CultureInfo.InvariantCulture) : "−" + (-v).ToString("F3", CultureInfo.InvariantCulture);
    }

    /// <summary>Labels in catalogue order (the order the grid ran them), not in result order.</summary>
    internal static IEnumerable<string> Labels(IEnumerable<GridResult> rows)
    {
        var present = new HashSet<string>(rows.Select(r => r.Label));
        var order = MergeCatalog.MainGrid().Concat(MergeCatalog.LegoFactorial()).Concat(MergeCatalog.Pruning()).Select(v => v.Label).Distinct();
        return order.Where(present.Contains);
    }

    private static string Default(IReadOnlyList<GridResult> cell) => SeedStats.Of(cell.Select(r => r.Score.DefaultScores.Average())).ToString();

    private static string Best(IReadOnlyList<GridResult> cell)
    {
        if (cell.Count == 0) return "–";
        var scales = cell.Select(r => r.Score.BestScale).OrderBy(s => s).ToArray();
        return string.Format(CultureInfo.InvariantCulture, "{0} (×{1})", SeedStats.Of(cell.Select(r => r.Score.BestScaleScores.Average())), scales[scales.Length / 2]);
    }

    private static string Cpu()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line.Substring(line.IndexOf(':') + 1).Trim();
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
