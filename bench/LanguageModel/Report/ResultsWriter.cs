using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using LoraLego.Bench.LanguageModel.Experiment;
using LoraLego.Bench.Quality.Report;

namespace LoraLego.Bench.LanguageModel.Report;

/// <summary>
/// Writes the merge results as JSON and as markdown tables: recovery per method and rank setting for
/// each domain count T (mean over domains and subsets, then mean ± std over seeds), the worst domain,
/// per-domain recovery for the largest T, and paired differences against reference methods.
/// </summary>
internal static class ResultsWriter
{
    private static readonly string[] References = { "Svd", "Ties", "Lego" };

    public static void Write(MergeResults results, string jsonPath, string markdownPath, string? outPath)
    {
        string json = JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true });
        string md = Markdown(results);
        WriteFile(jsonPath, json);
        WriteFile(markdownPath, md);
        if (outPath is not null)
        {
            WriteFile(outPath, json);
            WriteFile(Path.ChangeExtension(outPath, ".md"), md);
        }
    }

    private static void WriteFile(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, true);
    }

    /// <summary>Per seed: the mean over every (subset, domain) of the selected records; then stats over seeds.</summary>
    private static SeedStats OverSeeds(IEnumerable<MergeRecord> records, Func<MergeRecord, IEnumerable<double>> values) =>
        SeedStats.Of(records.GroupBy(r => r.Seed).Select(g => g.SelectMany(values).Average()));

    private static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("F3", CultureInfo.InvariantCulture);

    public static string Markdown(MergeResults r)
    {
        var sb = new StringBuilder();
        var settings = r.Merges.Select(m => (m.Method, m.RankSetting)).Distinct()
            .OrderBy(s => s.Method, StringComparer.OrdinalIgnoreCase).ThenBy(s => s.RankSetting, StringComparer.Ordinal).ToList();
        var counts = r.Merges.Select(m => m.Domains.Length).Distinct().OrderBy(t => t).ToList();

        sb.AppendLine($"Recovery = (loss_base − loss_merged) / (loss_base − loss_own) on each domain's test windows; 1 = as good as the domain's own LoRA, 0 = no better than the base. "
            + $"Mean over domains and subsets, then mean ± std over {r.Seeds.Count} seeds. \"best\" = output scale chosen from {{{string.Join(", ", r.ScaleGrid.Select(s => s.ToString(CultureInfo.InvariantCulture)))}}} on validation windows.");
        sb.AppendLine();
        AppendTable(sb, r, settings, counts,
            t => new[] { $"T={t} default", $"T={t} worst domain", $"T={t} best scale" },
            at => new[] { OverSeeds(at, m => m.DefaultRecovery).ToString(), OverSeeds(at, m => new[] { m.DefaultRecovery.Min() }).ToString(), OverSeeds(at, m => m.BestRecovery).ToString() });

        int largest = counts.DefaultIfEmpty(0).Max();
        var domains = r.Merges.Where(m => m.Domains.Length == largest).SelectMany(m => m.Domains).Distinct().ToList();
        if (domains.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"Per-domain recovery, T={largest}, default scale (mean ± std over seeds); last column: median best scale.");
            sb.AppendLine();
            sb.AppendLine($"| method | rank | {string.Join(" | ", domains)} | best scale |");
            sb.AppendLine($"|---|---|{string.Concat(domains.Select(_ => "---|"))}---|");
            foreach (var (method, setting) in settings)
            {
                var at = r.Merges.Where(m => m.Method == method && m.RankSetting == setting && m.Domains.Length == largest).ToList();
                if (at.Count == 0) continue;
                var cells = domains.Select(d => SeedStats.Of(at.Where(m => m.Domains.Contains(d)).Select(m => m.DefaultRecovery[Array.IndexOf(m.Domains, d)])).ToString());
                var scales = at.Select(m => m.BestScale).OrderBy(x => x).ToList();
                sb.AppendLine($"| {method} | {setting} | {string.Join(" | ", cells)} | {scales[scales.Count / 2].ToString(CultureInfo.InvariantCulture)} |");
            }
        }

        AppendPaired(sb, r, counts);
        AppendRules(sb, r, settings, counts);
        AppendBaselines(sb, r);
        return sb.ToString();
    }

    /// <summary>Each method minus each reference at equal rank setting and default scale: per seed over all subsets and domains, then mean ± std and wins over seeds.</summary>
    private static void AppendPaired(StringBuilder sb, MergeResults r, List<int> counts)
    {
        var refs = References.Where(x => r.Merges.Any(m => m.Method.Equals(x, StringComparison.OrdinalIgnoreCase))).ToList();
        if (refs.Count == 0) return;
        sb.AppendLine();
        sb.AppendLine("Paired differences at default scale, same rank setting, same seeds, subsets and domains (all T pooled): method − reference, mean ± std over seeds (seeds where the method is ahead).");
        sb.AppendLine();
        foreach (var setting in r.Merges.Select(m => m.RankSetting).Where(s => s != "natural").Distinct().OrderBy(s => s.Length).ThenBy(s => s, StringComparer.Ordinal))
        {
            sb.AppendLine($"| method ({setting}) | {string.Join(" | ", refs.Select(x => "− " + x))} |");
            sb.AppendLine($"|---|{string.Concat(refs.Select(_ => "---|"))}");
            var methods = r.Merges.Select(m => m.Method).Distinct().OrderBy(m => m, StringComparer.OrdinalIgnoreCase);
            foreach (var method in methods)
            {
                var cells = refs.Select(reference => Paired(r, method, reference, setting)).ToList();
                if (cells.All(c => c is null)) continue;
                sb.AppendLine($"| {method} | {string.Join(" | ", cells.Select(c => c ?? "–"))} |");
            }

            sb.AppendLine();
        }
    }

    /// <summary>A method at a rank setting (or its natural rank) against a reference at that setting, both at their default scale.</summary>
    private static string? Paired(MergeResults r, string method, string reference, string setting) =>
        method == reference ? (PairedWith(r, method, reference, setting, m => m.DefaultRecovery, m => m.DefaultRecovery) is null ? null : "0")
            : PairedWith(r, method, reference, setting, m => m.DefaultRecovery, m => m.DefaultRecovery);

    /// <summary>
    /// The data-free output-scale rules beside the default and the tuned scale: recovery per T, the median
    /// factor each rule gave (against the median best grid scale), and each rule's paired difference
    /// against the references' defaults (the comparison a user without validation data makes).
    /// </summary>
    private static void AppendRules(StringBuilder sb, MergeResults r, List<(string Method, string RankSetting)> settings, List<int> counts)
    {
        var rules = r.Merges.SelectMany(m => m.Rules ?? Array.Empty<RuleResult>()).Select(x => x.Rule).Distinct().ToList();
        if (rules.Count == 0) return;
        sb.AppendLine("Output-scale rules (data-free, per module; `Merge-LoraAdapter -OutputScale`): test recovery per T at the method's default, with each rule, and at the tuned scale; "
            + "in brackets the median factor the rule gave the modules and the median tuned grid scale (both relative to the method's own output).");
        sb.AppendLine();
        AppendTable(sb, r, settings, counts,
            t => new[] { $"T={t} default" }.Concat(rules.Select(x => $"T={t} {x}")).Append($"T={t} tuned"),
            at => new[] { OverSeeds(at, m => m.DefaultRecovery).ToString() }
                .Concat(rules.Select(rule => $"{OverSeeds(at, m => m.Rules.First(x => x.Rule == rule).Recovery)} (×{Median(at.Select(m => m.Rules.First(x => x.Rule == rule).MedianFactor))})"))
                .Append($"{OverSeeds(at, m => m.BestRecovery)} (×{Median(at.Select(m => m.BestScale))})"));

        var refs = References.Where(x => r.Merges.Any(m => m.Method.Equals(x, StringComparison.OrdinalIgnoreCase))).ToList();
        foreach (var rule in rules)
        {
            sb.AppendLine();
            sb.AppendLine($"Paired differences, each method with {rule} − each reference at its default (as merged), same rank setting, seeds, subsets and domains (all T pooled), mean ± std over seeds (seeds ahead); last column: − the reference with {rule} too.");
            sb.AppendLine();
            foreach (var setting in r.Merges.Select(m => m.RankSetting).Where(x => x != "natural").Distinct().OrderBy(x => x.Length).ThenBy(x => x, StringComparer.Ordinal))
            {
                sb.AppendLine($"| method ({setting}) with {rule} | {string.Join(" | ", refs.Select(x => "− " + x + " default"))} | {string.Join(" | ", refs.Select(x => "− " + x + " " + rule))} |");
                sb.AppendLine($"|---|{string.Concat(refs.Select(_ => "---|---|"))}");
                foreach (var method in r.Merges.Select(m => m.Method).Distinct().OrderBy(m => m, StringComparer.OrdinalIgnoreCase))
                {
                    var cells = refs.Select(x => PairedWith(r, method, x, setting, m => m.Rules.First(y => y.Rule == rule).Recovery, m => m.DefaultRecovery))
                        .Concat(refs.Select(x => PairedWith(r, method, x, setting, m => m.Rules.First(y => y.Rule == rule).Recovery, m => m.Rules.First(y => y.Rule == rule).Recovery))).ToList();
                    if (cells.All(c => c is null)) continue;
                    sb.AppendLine($"| {method} | {string.Join(" | ", cells.Select(c => c ?? "–"))} |");
                }

                sb.AppendLine();
            }
        }
    }

    /// <summary>One row per method and rank setting, the given columns for each T.</summary>
    private static void AppendTable(StringBuilder sb, MergeResults r, List<(string Method, string RankSetting)> settings, List<int> counts,
        Func<int, IEnumerable<string>> headers, Func<List<MergeRecord>, IEnumerable<string>> cells)
    {
        sb.AppendLine($"| method | rank | {string.Concat(counts.SelectMany(headers).Select(h => h + " | "))}");
        sb.AppendLine($"|---|---|{string.Concat(counts.SelectMany(headers).Select(_ => "---|"))}");
        foreach (var (method, setting) in settings)
        {
            var mine = r.Merges.Where(m => m.Method == method && m.RankSetting == setting).ToList();
            sb.AppendLine($"| {method} | {setting} | {string.Concat(counts.SelectMany(t => cells(mine.Where(m => m.Domains.Length == t).ToList())).Select(c => c + " | "))}");
        }
    }

    private static string Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(x => x).ToList();
        return sorted.Count == 0 ? "–" : sorted[sorted.Count / 2].ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>Paired difference of <paramref name="mine"/>'s recovery for the method against <paramref name="theirs"/> for the reference.</summary>
    private static string? PairedWith(MergeResults r, string method, string reference, string setting, Func<MergeRecord, double[]> mine, Func<MergeRecord, double[]> theirs)
    {
        IEnumerable<MergeRecord> Of(string name) => r.Merges.Where(m => m.Method == name && (m.RankSetting == setting || m.RankSetting == "natural"));
        var diffs = new List<double>();
        foreach (var seed in r.Seeds)
        {
            var a = Of(method).Where(m => m.Seed == seed).ToList();
            var b = Of(reference).Where(m => m.Seed == seed).ToList();
            if (a.Count == 0 || b.Count == 0) continue;
            var pairs = a.Join(b, x => string.Join(",", x.Domains), y => string.Join(",", y.Domains), (x, y) => mine(x).Zip(theirs(y), (u, v) => u - v).Average()).ToList();
            if (pairs.Count > 0) diffs.Add(pairs.Average());
        }

        if (diffs.Count == 0) return null;
        var st = SeedStats.Of(diffs);
        return string.Format(CultureInfo.InvariantCulture, "{0:+0.000;-0.000} ± {1:F3} ({2}/{3})", st.Mean, st.Std, diffs.Count(d => d > 0), diffs.Count);
    }

    private static void AppendBaselines(StringBuilder sb, MergeResults r)
    {
        sb.AppendLine("Held-out test loss (nats/byte), mean over seeds: base model, and each domain's own LoRA.");
        sb.AppendLine();
        sb.AppendLine("| domain | base | own LoRA |");
        sb.AppendLine("|---|---|---|");
        foreach (var g in r.Baselines.GroupBy(b => b.Domain))
            sb.AppendLine($"| {g.Key} | {F(g.Average(b => b.BaseTest))} | {F(g.Average(b => b.OwnTest))} |");
    }
}
