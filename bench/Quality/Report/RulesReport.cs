using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using LoraLego.Merging;

namespace LoraLego.Bench.Quality.Report;

/// <summary>
/// The data-free output-scale rules (<see cref="OutputScaleRule"/>) on the main grid: each rule's score
/// beside the method's default and its tuned scale, how far each rule stays from the tuned score, which
/// method is best under each, and paired differences against the references (issue 12).
/// </summary>
internal static class RulesReport
{
    /// <summary>The references every rule-scaled method is compared with, at their default (as merged).</summary>
    private static readonly string[] References = { "Svd", "ties", "Lego (defaults)" };

    public static void Append(StringBuilder md, IReadOnlyList<GridResult> main)
    {
        var rules = main.SelectMany(r => r.Score.Rules ?? Array.Empty<RuleScore>()).Select(x => x.Rule).Distinct().ToArray();
        if (rules.Length == 0) return;
        var inv = CultureInfo.InvariantCulture;
        var labels = MarkdownReport.Labels(main).ToList();
        var fixedRank = new HashSet<string>(MergeCatalog.MainGrid().Where(v => !v.UsesRank).Select(v => v.Label));
        var points = main.Select(r => (r.T, r.K)).Distinct().OrderBy(p => p.T).ThenBy(p => p.K).ToArray();

        md.AppendLine("**Output-scale rules** (data-free, per layer, the engine's `OutputScale.Factor`/`Scaled`; scored on the test split with no tuning). "
            + "MeanNorm: ‖ΔW_merged‖_F := ‖(1/T) Σ_t ΔW_t‖_F; RmsNorm: ‖ΔW_merged‖_F := √((1/T) Σ_t ‖ΔW_t‖²_F). "
            + "Normalised score, mean ± std over seeds; in brackets the median over seeds of each merge's median per-layer factor, and the median tuned scale (both relative to the method's own output). "
            + "Methods whose rank is fixed by the inputs (Concat, linear) are listed once per T.");
        md.AppendLine();
        foreach (int t in points.Select(p => p.T).Distinct())
        {
            md.AppendLine(inv, $"T = {t}:");
            md.AppendLine();
            md.AppendLine("| method | k | default | " + string.Concat(rules.Select(x => x + " | ")) + "tuned |");
            md.AppendLine("|---|---:|---:|" + string.Concat(rules.Select(_ => "---:|")) + "---:|");
            foreach (string label in labels)
            {
                foreach (int k in points.Where(p => p.T == t).Select(p => p.K))
                {
                    var cell = main.Where(r => r.T == t && r.K == k && r.Label == label).ToList();
                    if (cell.Count == 0) continue;
                    string rank = fixedRank.Contains(label) ? cell[0].Score.MergedRank.ToString(inv) + " (fixed)" : k.ToString(inv);
                    md.Append(inv, $"| {label} | {rank} | {SeedStats.Of(cell.Select(r => r.Score.DefaultScores.Average()))} | ");
                    foreach (var rule in rules)
                        md.Append(inv, $"{SeedStats.Of(cell.Select(r => Rule(r, rule).Scores.Average()))} (×{Format(GridRunner.Median(cell.Select(r => Rule(r, rule).MedianFactor)))}) | ");
                    md.AppendLine(inv, $"{SeedStats.Of(cell.Select(r => r.Score.BestScaleScores.Average()))} (×{Format(GridRunner.Median(cell.Select(r => r.Score.BestScale)))}) |");
                    if (fixedRank.Contains(label)) break;
                }
            }

            md.AppendLine();
        }

        AppendGapToTuned(md, main, labels, rules, points);
        AppendBestAtEqualRank(md, main, labels, rules, points);
        foreach (var rule in rules)
        {
            foreach (int t in points.Select(p => p.T).Distinct()) AppendPaired(md, main, labels, rule, t, points.Where(p => p.T == t).Select(p => p.K).ToArray());
        }
    }

    /// <summary>Per method: the default's and each rule's paired distance to the same method tuned, averaged over the grid points.</summary>
    private static void AppendGapToTuned(StringBuilder md, IReadOnlyList<GridResult> main, List<string> labels, OutputScaleRule[] rules, (int T, int K)[] points)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"Distance to the tuned score: per grid point the paired difference (score − the same merge at its tuned scale, mean over seeds), then the mean over the {points.Length} grid points (T, k); in brackets the mean over the points of each T ({string.Join(" / ", points.Select(p => $"T={p.T}").Distinct())}). Best untuned: the scaling with the highest mean (the one closest to the tuned score, or above it).");
        md.AppendLine();
        md.AppendLine("| method | default − tuned | " + string.Concat(rules.Select(x => x + " − tuned | ")) + "best untuned |");
        md.AppendLine("|---|---:|" + string.Concat(rules.Select(_ => "---:|")) + "---|");
        foreach (string label in labels)
        {
            var options = new List<(string Name, double Mean, double[] PerT)> { Gap("default", main, label, points, r => r.Score.DefaultScores.Average()) };
            options.AddRange(rules.Select(rule => Gap(rule.ToString(), main, label, points, r => Rule(r, rule).Scores.Average())));
            var bestUntuned = options.OrderByDescending(o => o.Mean).First();
            md.AppendLine("| " + label + " | " + string.Join(" | ", options.Select(o => $"{MarkdownReport.Signed(o.Mean)} ({string.Join(" / ", o.PerT.Select(MarkdownReport.Signed))})")) + " | " + bestUntuned.Name + " |");
        }

        md.AppendLine();
    }

    private static (string Name, double Mean, double[] PerT) Gap(string name, IReadOnlyList<GridResult> main, string label, (int T, int K)[] points, Func<GridResult, double> metric)
    {
        var perPoint = points.Select(p => (p.T, Gap: SeedStats.Of(MarkdownReport.PairedDiffs(main, p.T, p.K, label, metric, label, r => r.Score.BestScaleScores.Average())).Mean)).ToArray();
        return (name, perPoint.Average(x => x.Gap), perPoint.GroupBy(x => x.T).Select(g => g.Average(x => x.Gap)).ToArray());
    }

    /// <summary>The best method at each grid point under each scaling, among merges of rank ≤ k (equal rank; the exact sum only where T·r ≤ k).</summary>
    private static void AppendBestAtEqualRank(StringBuilder md, IReadOnlyList<GridResult> main, List<string> labels, OutputScaleRule[] rules, (int T, int K)[] points)
    {
        var scalings = new List<(string Name, Func<GridResult, double> Metric)> { ("default", r => r.Score.DefaultScores.Average()) };
        scalings.AddRange(rules.Select(rule => (rule.ToString(), (Func<GridResult, double>)(r => Rule(r, rule).Scores.Average()))));
        scalings.Add(("tuned", r => r.Score.BestScaleScores.Average()));
        md.AppendLine("Best method at equal rank (merges of rank ≤ k) under each scaling: mean score over seeds; second best in brackets; methods with the same score on every seed (the same merge) joined by =. Lego's one-switch variants (ablations, \"Lego, …\") are left out.");
        md.AppendLine();
        md.AppendLine("| T, k | " + string.Join(" | ", scalings.Select(s => s.Name)) + " |");
        md.AppendLine("|---|" + string.Concat(scalings.Select(_ => "---|")));
        foreach (var (t, k) in points)
        {
            var here = main.Where(r => r.T == t && r.K == k && r.Score.MergedRank <= k).ToList();
            var cells = scalings.Select(s =>
            {
                // Methods that give the same merge score alike on every seed: one entry (e.g. knots (TA) = Svd).
                var ranked = labels.Where(l => !l.StartsWith("Lego, ", StringComparison.Ordinal) && here.Any(r => r.Label == l))
                    .GroupBy(l => string.Join(",", here.Where(r => r.Label == l).OrderBy(r => r.Seed).Select(r => s.Metric(r).ToString("R", CultureInfo.InvariantCulture))))
                    .Select(g => (Label: string.Join(" = ", g), Mean: SeedStats.Of(here.Where(r => r.Label == g.First()).Select(s.Metric)).Mean))
                    .OrderByDescending(x => x.Mean).Take(2).ToArray();
                return string.Join(" ", ranked.Select((x, i) => string.Format(CultureInfo.InvariantCulture, i == 0 ? "{0} {1:F3}" : "({0} {1:F3})", x.Label, x.Mean)));
            });
            md.AppendLine(CultureInfo.InvariantCulture, $"| T={t}, k={k} | {string.Join(" | ", cells)} |");
        }

        md.AppendLine();
    }

    /// <summary>Each method with the rule against each reference at its default, and against itself tuned: paired per seed.</summary>
    private static void AppendPaired(StringBuilder md, IReadOnlyList<GridResult> main, List<string> labels, OutputScaleRule rule, int t, int[] ks)
    {
        var refs = References.Where(x => labels.Contains(x)).ToArray();
        md.AppendLine(CultureInfo.InvariantCulture, $"Paired differences, T = {t}: each method with {rule} minus each reference at its default (as merged), and minus the same method at its tuned scale; mean ± std over seeds (seeds where the method with {rule} is ahead).");
        md.AppendLine();
        md.AppendLine("| method | k | " + string.Concat(refs.Select(x => $"− {x} default | ")) + "− itself tuned |");
        md.AppendLine("|---|---:|" + string.Concat(refs.Select(_ => "---:|")) + "---:|");
        Func<GridResult, double> mine = r => Rule(r, rule).Scores.Average();
        foreach (string label in labels)
        {
            foreach (int k in ks)
            {
                if (!main.Any(r => r.T == t && r.K == k && r.Label == label)) continue;
                var cells = refs.Select(x => MarkdownReport.PairedCell(MarkdownReport.PairedDiffs(main, t, k, label, mine, x, r => r.Score.DefaultScores.Average())))
                    .Append(MarkdownReport.PairedCell(MarkdownReport.PairedDiffs(main, t, k, label, mine, label, r => r.Score.BestScaleScores.Average())));
                md.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {k} | {string.Join(" | ", cells)} |");
            }
        }

        md.AppendLine();
    }

    private static RuleScore Rule(GridResult r, OutputScaleRule rule) => r.Score.Rules!.First(x => x.Rule == rule);

    private static string Format(double factor) => factor.ToString("0.###", CultureInfo.InvariantCulture);
}
