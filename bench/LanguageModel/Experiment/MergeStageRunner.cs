using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using LoraLego.Bench.LanguageModel.Corpora;
using LoraLego.Bench.LanguageModel.Model;
using LoraLego.Bench.LanguageModel.Report;
using LoraLego.Bench.LanguageModel.Training;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Bench.LanguageModel.Experiment;

/// <summary>
/// Merge mode: for every seed, reads the saved LoRAs back (AdapterLoader), merges each domain subset
/// with every method in <see cref="MergeMethodRegistry.Names"/> (so methods added to the engine appear
/// here by themselves) at k = r and k = 2r, and scores each domain's held-out loss at the default output
/// scale and at the best scale of the grid (picked on validation windows, reported on test windows).
/// </summary>
internal static class MergeStageRunner
{
    public static MergeResults Run(BenchProfile p, RunLayout layout, IReadOnlyList<string> domains, string? outPath, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        using var model = TinyTransformer.Load(layout.BaseModel);
        model.Freeze();
        var methods = p.Methods?.Select(m => MergeMethodRegistry.Get(m).Name).ToList() ?? MergeMethodRegistry.Names.ToList();
        log($"merge: methods {string.Join(", ", methods)}");
        var corpora = domains.ToDictionary(d => d, d => CorpusStore.Load(layout.Cache, d));
        var baselines = new List<DomainBaseline>();
        var records = new List<MergeRecord>();
        var notes = new List<string>();
        int context = p.Model.Context;
        foreach (int seed in p.Seeds)
        {
            var present = domains.Where(d => System.IO.Directory.Exists(layout.Lora(seed, d))).ToList();
            foreach (var missing in domains.Except(present)) notes.Add($"seed {seed}: no LoRA for {missing} ({layout.Lora(seed, missing)}); left out.");
            if (present.Count < 2) continue;
            var loras = present.ToDictionary(d => d, d => AdapterFolders.Read(layout.Lora(seed, d)));
            var windows = present.ToDictionary(d => d, d => (
                Val: Windows.Offsets(corpora[d].Validation, p.ValidationWindows, context, p.ValidationSeed(seed) * 31 + Index(d)),
                Test: Windows.Offsets(corpora[d].Test, p.TestWindows, context, p.TestSeed(seed) * 31 + Index(d))));
            var baseline = new Dictionary<string, DomainBaseline>();
            foreach (var d in present)
            {
                using var own = new DenseDeltas(loras[d]);
                var b = new DomainBaseline(seed, d,
                    Evaluation.Loss(model, corpora[d].Validation, windows[d].Val, null),
                    Evaluation.Loss(model, corpora[d].Validation, windows[d].Val, own.At(1.0)),
                    Evaluation.Loss(model, corpora[d].Test, windows[d].Test, null),
                    Evaluation.Loss(model, corpora[d].Test, windows[d].Test, own.At(1.0)));
                baseline[d] = b;
                baselines.Add(b);
                log($"seed {seed} {d}: base {b.BaseTest:F3}, own LoRA {b.OwnTest:F3} nats/byte (test)");
            }

            foreach (int t in p.DomainCounts.Where(t => t <= present.Count))
            {
                foreach (var subset in Subsets(present, t))
                {
                    foreach (var method in methods)
                    {
                        UnitBlockSet? previous = null;
                        foreach (int multiple in p.RankMultiples)
                        {
                            var mergeClock = Stopwatch.StartNew();
                            var (merged, inputs) = Merge(method, subset.Select(d => loras[d]).ToList(), p.LoraRank * multiple, seed, p.Model);
                            double mergeSeconds = mergeClock.Elapsed.TotalSeconds;
                            // Methods whose rank is fixed by the inputs (Concat, Linear) give the same adapter for every k: scored once.
                            if (previous is not null && previous.SameAs(merged)) break;
                            bool natural = multiple == p.RankMultiples[0]
                                && Merge(method, subset.Select(d => loras[d]).ToList(), 2 * p.LoraRank * multiple, seed, p.Model).Merged.SameAs(merged);
                            string setting = natural ? "natural" : multiple == 1 ? "k=r" : $"k={multiple}r";
                            var record = Score(model, corpora, windows, baseline, subset, merged, inputs, p.ScaleGrid, seed, method, setting, mergeSeconds);
                            records.Add(record);
                            log($"seed {seed} T={t} [{string.Join(",", subset)}] {method} {setting} (rank {record.MergedRank}): recovery {record.DefaultRecovery.Average():F3} default, {record.BestRecovery.Average():F3} at ×{record.BestScale}; {string.Join(", ", record.Rules.Select(x => $"{x.Rule} {x.Recovery.Average():F3} at ×{x.MedianFactor:F3}"))}");
                            if (natural) break;
                            previous = merged;
                        }
                    }
                }
            }
        }

        var results = new MergeResults(p.Name, p.Describe().ToList(), methods, domains, p.Seeds, p.ScaleGrid, baselines, records,
            ReadReport(layout.BaseReport),
            p.Seeds.SelectMany(s => domains.Select(d => (s, d, Report: ReadReport(layout.LoraReport(s, d))))).Where(x => x.Report is not null).Select(x => new LoraTraining(x.s, x.d, x.Report!)).ToList(),
            clock.Elapsed.TotalSeconds, notes);
        foreach (var n in notes) log(n);
        ResultsWriter.Write(results, layout.Results, layout.Markdown, outPath);
        log($"merge: {records.Count} merges scored in {clock.Elapsed.TotalSeconds:F0} s → {layout.Results}");
        return results;
    }

    private static TrainReport? ReadReport(string path) =>
        System.IO.File.Exists(path) ? System.Text.Json.JsonSerializer.Deserialize<TrainReport>(System.IO.File.ReadAllText(path)) : null;

    /// <summary>Fixed subsets of the domain list: disjoint consecutive pairs; for larger T the first T domains.</summary>
    public static IEnumerable<string[]> Subsets(IReadOnlyList<string> domains, int t)
    {
        if (t == domains.Count)
        {
            yield return domains.ToArray();
            yield break;
        }

        // Pairs step by 2 (disjoint); larger subsets take only the first T domains (evaluation time).
        int step = t == 2 ? 2 : domains.Count;
        for (int start = 0; start + t <= domains.Count; start += step) yield return domains.Skip(start).Take(t).ToArray();
    }

    private static int Index(string domain) => DomainCatalog.All.Select(d => d.Name).ToList().IndexOf(domain);

    /// <summary>Merges module by module through the registry, as Merge-LoraAdapter does: the sources' units in, the merged units out.</summary>
    /// <remarks>The method's own output (<see cref="OutputScaleRule.AsMerged"/>); the inputs are kept so the output-scale rules can be applied to it.</remarks>
    private static (UnitBlockSet Merged, Dictionary<string, ModuleMergeInput> Inputs) Merge(string methodName, IReadOnlyList<Dictionary<string, UnitBlock>> sources, int rank, int seed, ModelConfig config)
    {
        var method = MergeMethodRegistry.Get(methodName);
        var options = new MergeOptions { Rank = rank, Seed = seed };
        var merged = new Dictionary<string, UnitBlock>(StringComparer.Ordinal);
        var inputs = new Dictionary<string, ModuleMergeInput>(StringComparer.Ordinal);
        foreach (var (name, inF, outF) in config.TargetModules())
        {
            var blocks = sources.Where(s => s.ContainsKey(name)).Select(s => s[name]).ToList();
            if (blocks.Count == 0) continue;
            inputs[name] = new ModuleMergeInput(name, inF, outF, blocks);
            merged[name] = method.Merge(inputs[name], options, CancellationToken.None);
        }

        return (new UnitBlockSet(merged), inputs);
    }

    /// <summary>The rules scored beside the default and the tuned scale.</summary>
    public static readonly OutputScaleRule[] Rules = { OutputScaleRule.MeanNorm, OutputScaleRule.RmsNorm };

    /// <summary>The merged adapter with <paramref name="rule"/> applied module by module (as Merge-LoraAdapter -OutputScale does), and the factors it used.</summary>
    private static (UnitBlockSet Scaled, List<double> Factors) Apply(UnitBlockSet merged, Dictionary<string, ModuleMergeInput> inputs, OutputScaleRule rule)
    {
        var scaled = new Dictionary<string, UnitBlock>(StringComparer.Ordinal);
        var factors = new List<double>();
        foreach (var (name, block) in merged.Blocks)
        {
            double f = OutputScale.Factor(inputs[name], block, rule);
            factors.Add(f);
            scaled[name] = OutputScale.Scaled(block, f);
        }

        return (new UnitBlockSet(scaled), factors);
    }

    private static MergeRecord Score(TinyTransformer model, Dictionary<string, CorpusSplit> corpora, Dictionary<string, (int[] Val, int[] Test)> windows,
        Dictionary<string, DomainBaseline> baseline, string[] subset, UnitBlockSet merged, Dictionary<string, ModuleMergeInput> inputs, double[] grid, int seed, string method, string setting, double mergeSeconds)
    {
        using var deltas = new DenseDeltas(merged.Blocks);
        double Recovery(double b, double own, double m) => (b - m) / (b - own);
        double ValRecovery(double scale) => subset.Average(d =>
            Recovery(baseline[d].BaseValidation, baseline[d].OwnValidation, Evaluation.Loss(model, corpora[d].Validation, windows[d].Val, deltas.At(scale))));
        double best = 1.0, bestValue = double.NegativeInfinity;
        foreach (double s in grid)
        {
            double v = ValRecovery(s);
            if (v > bestValue + 1e-12)
            {
                bestValue = v;
                best = s;
            }
        }

        double[] TestLoss(double scale) => subset.Select(d => Evaluation.Loss(model, corpora[d].Test, windows[d].Test, deltas.At(scale))).ToArray();
        double[] TestRecovery(double[] loss) => subset.Select((d, i) => Recovery(baseline[d].BaseTest, baseline[d].OwnTest, loss[i])).ToArray();
        var atDefault = TestLoss(1.0);
        var atBest = best == 1.0 ? atDefault : TestLoss(best);
        var rules = new List<RuleResult>();
        foreach (var rule in Rules)
        {
            var (scaled, factors) = Apply(merged, inputs, rule);
            using var ruleDeltas = new DenseDeltas(scaled.Blocks);
            var loss = subset.Select(d => Evaluation.Loss(model, corpora[d].Test, windows[d].Test, ruleDeltas.At(1.0))).ToArray();
            factors.Sort();
            rules.Add(new RuleResult(rule.ToString(), factors[factors.Count / 2], factors[0], factors[^1], loss, TestRecovery(loss)));
        }

        return new MergeRecord(seed, method, setting, merged.Rank, subset, atDefault, TestRecovery(atDefault), best, atBest, TestRecovery(atBest), mergeSeconds, rules);
    }
}

/// <summary>A merged adapter: one unit block per module.</summary>
internal sealed class UnitBlockSet
{
    public UnitBlockSet(Dictionary<string, UnitBlock> blocks) => Blocks = blocks;

    public Dictionary<string, UnitBlock> Blocks { get; }

    public int Rank => Blocks.Values.Select(b => b.Count).DefaultIfEmpty(0).Max();

    public bool SameAs(UnitBlockSet other) =>
        Blocks.Count == other.Blocks.Count && Blocks.All(kv => other.Blocks.TryGetValue(kv.Key, out var o)
            && o.Count == kv.Value.Count && o.A.AsSpan().SequenceEqual(kv.Value.A) && o.BT.AsSpan().SequenceEqual(kv.Value.BT) && o.Scale.AsSpan().SequenceEqual(kv.Value.Scale));
}
