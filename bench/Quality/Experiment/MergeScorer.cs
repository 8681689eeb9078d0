using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Bench.Quality.Model;
using LoraLego.Bench.Quality.Training;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Bench.Quality;

/// <summary>The outcome of one merge on one seed: normalised test scores per task at the default and at the best scale.</summary>
/// <remarks><see cref="Rules"/>: the data-free output-scale rules on the test split (main grid only; null or empty elsewhere).</remarks>
internal sealed record MergeScore(double[] DefaultScores, double[] BestScaleScores, double BestScale, int MergedRank, IReadOnlyList<RuleScore>? Rules = null);

/// <summary>
/// Merges a set of LoRAs module by module through the engine and scores the result: score of a task =
/// accuracy with the merged adapter / accuracy with the task's own LoRA (the paper's normalised score).
/// The best global output scale is picked on the validation split (mean normalised score over tasks)
/// and reported on the test split, so the scale is not tuned on what is reported.
/// </summary>
internal static class MergeScorer
{
    public static UnitBlock?[] Merge(Network net, IReadOnlyList<UnitBlock?[]> loras, MergeVariant variant, int? rank, int seed) =>
        Merge(Inputs(net, loras), variant, rank, seed);

    /// <summary>What each layer's merge gets: the LoRAs' blocks of that layer (null where no LoRA has one).</summary>
    public static ModuleMergeInput?[] Inputs(Network net, IReadOnlyList<UnitBlock?[]> loras)
    {
        var inputs = new ModuleMergeInput?[net.Layers];
        for (int l = 0; l < net.Layers; l++)
        {
            var sources = loras.Select(x => x[l]).Where(b => b is { Count: > 0 }).Select(b => b!).ToList();
            if (sources.Count > 0) inputs[l] = new ModuleMergeInput(net.ModuleName(l), net.InFeatures(l), net.OutFeatures(l), sources);
        }

        return inputs;
    }

    /// <summary>Each layer merged by the engine's method, as the method produces it (<see cref="OutputScaleRule.AsMerged"/>).</summary>
    public static UnitBlock?[] Merge(IReadOnlyList<ModuleMergeInput?> inputs, MergeVariant variant, int? rank, int seed)
    {
        var method = MergeMethodRegistry.Get(variant.Method);
        var options = variant.Options(rank, seed);
        var merged = new UnitBlock?[inputs.Count];
        for (int l = 0; l < inputs.Count; l++)
        {
            if (inputs[l] is { } input) merged[l] = method.Merge(input, options, CancellationToken.None);
        }

        return merged;
    }

    /// <param name="inputs">The layers' merge inputs: when given, each of <see cref="OutputScaleRules.Rules"/> is applied to the merge and scored on the test split too (no tuning).</param>
    public static MergeScore Score(SeedWorld world, IReadOnlyList<int> tasks, UnitBlock?[] merged, IEnumerable<double> scaleGrid, IReadOnlyList<ModuleMergeInput?>? inputs = null)
    {
        double ValScore(double scale) => tasks.Average(t =>
            Evaluation.Accuracy(world.Base, world.Tasks[t].Validation, merged, scale) / world.SingleValidationAccuracy[t]);

        double bestScale = 1.0, bestVal = double.NegativeInfinity;
        foreach (double s in scaleGrid.Distinct().OrderBy(s => s))
        {
            double v = ValScore(s);
            if (v > bestVal + 1e-12)
            {
                bestVal = v;
                bestScale = s;
            }
        }

        double[] Test(UnitBlock?[] deltas, double scale) => tasks.Select(t =>
            Evaluation.Accuracy(world.Base, world.Tasks[t].Test, deltas, scale) / world.SingleTestAccuracy[t]).ToArray();

        var rules = new List<RuleScore>();
        if (inputs is not null)
        {
            foreach (var rule in OutputScaleRules.Rules)
            {
                var (scaled, factors) = OutputScaleRules.Apply(merged, inputs, rule);
                rules.Add(new RuleScore(rule, Test(scaled, 1.0), GridRunner.Median(factors)));
            }
        }

        int rank = merged.Max(b => b?.Count ?? 0);
        var atDefault = Test(merged, 1.0);
        return new MergeScore(atDefault, bestScale == 1.0 ? atDefault : Test(merged, bestScale), bestScale, rank, rules);
    }
}
