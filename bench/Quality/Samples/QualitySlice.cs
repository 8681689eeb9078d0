using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace LoraLego.Bench.Quality.Samples;

/// <summary>
/// A seeded slice of the benchmark for the Pester suite (seconds): one seed, T = 2, small data, each of
/// Concat, Svd, linear and Lego at k = r, scored like the full grid (best validation scale, test split).
/// The slice tests/LoraLego.Tests/Quality/QualitySliceTests and Quality.Tests.ps1 use.
/// </summary>
internal static class QualitySlice
{
    public static QualityConfig Config(int seed) => QualityConfig.Full with
    {
        Seeds = new[] { seed },
        TaskCounts = new[] { 2 },
        GenericTrainSamples = 2000,
        BaseEpochs = 6,
        TaskTrainSamples = 1500,
        LoraEpochs = 15,
        ValidationSamples = 300,
        TestSamples = 600,
    };

    /// <summary>slice [--seed N]: prints JSON { seed, rank, tasks: [{ task, base, own }], merges: [{ method, rank, scores, mean }] }.</summary>
    public static int Run(string[] args)
    {
        int seed = 3;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seed" && i + 1 < args.Length) seed = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: slice [--seed N]");
        }

        var config = Config(seed);
        var world = SeedWorld.Build(config, seed, 2);
        var tasks = new[] { 0, 1 };
        var loras = tasks.Select(t => world.Loras[t]).ToList();
        var merges = new List<object>();
        foreach (var (method, usesRank) in new[] { ("Concat", false), ("Svd", true), ("linear", false), ("Lego", true) })
        {
            var variant = new MergeVariant(method, method, usesRank);
            var merged = MergeScorer.Merge(world.Base, loras, variant, config.Rank, seed);
            var score = MergeScorer.Score(world, tasks, merged, config.ScaleGrid);
            merges.Add(new { Method = method, Rank = score.MergedRank, Scale = score.BestScale, Scores = score.BestScaleScores, Mean = score.BestScaleScores.Average() });
        }

        var result = new
        {
            Seed = seed,
            Rank = config.Rank,
            Tasks = tasks.Select(t => new { Task = world.Tasks[t].Name, Base = world.BaseAccuracy[t], Own = world.SingleTestAccuracy[t] }),
            Merges = merges,
        };
        Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
