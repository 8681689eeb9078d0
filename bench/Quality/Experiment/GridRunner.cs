using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using LoraLego.Units;

namespace LoraLego.Bench.Quality;

/// <summary>One cell of the benchmark: a section, a grid point (T tasks, merged rank K), a setting, a seed.</summary>
internal sealed record GridResult(string Section, int T, int K, string Label, int Seed, MergeScore Score);

/// <summary>
/// Runs the whole benchmark. Seeds are independent and may run in parallel; every number depends
/// only on the seed, never on the thread count or the order of completion.
/// </summary>
internal sealed class GridRunner
{
    public const string MainSection = "main", AblationSection = "ablation", PruningSection = "pruning";

    private readonly QualityConfig _config;
    private readonly Action<string> _log;

    private readonly string? _adapterRoot;

    /// <param name="adapterRoot">Where the trained LoRAs are written as PEFT adapters (and read back from); null keeps them in memory.</param>
    public GridRunner(QualityConfig config, Action<string> log, string? adapterRoot)
    {
        _config = config;
        _log = log;
        _adapterRoot = adapterRoot;
    }

    public List<SeedWorld> Worlds { get; } = new();

    public List<GridResult> Run(int threads)
    {
        var results = new ConcurrentBag<GridResult>();
        var worlds = new ConcurrentBag<SeedWorld>();
        Parallel.ForEach(_config.Seeds, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, seed =>
        {
            var world = SeedWorld.Build(_config, seed, _config.TaskCounts.Max(), _log, _adapterRoot);
            worlds.Add(world);
            foreach (var r in RunSeed(world)) results.Add(r);
            _log($"seed {seed}: done");
        });

        Worlds.AddRange(worlds.OrderBy(w => w.Seed));
        return results.OrderBy(r => r.Section).ThenBy(r => r.T).ThenBy(r => r.K).ThenBy(r => r.Seed).ToList();
    }

    /// <summary>k = r, 2r, T·r/2 and T·r (the sum's rank: what Merge-LoraAdapter gives without -Rank).</summary>
    public static IReadOnlyList<int> RanksFor(int taskCount, int r) => new[] { r, 2 * r, taskCount * r / 2, taskCount * r }.Distinct().OrderBy(k => k).ToArray();

    private IEnumerable<GridResult> RunSeed(SeedWorld world)
    {
        int r = _config.Rank;
        var main = MergeCatalog.MainGrid().Where(v => v.IsAvailable).ToList();
        foreach (int taskCount in _config.TaskCounts)
        {
            var tasks = Enumerable.Range(0, taskCount).ToArray();
            var inputs = MergeScorer.Inputs(world.Base, tasks.Select(t => world.Loras[t]).ToList());
            var grid = ScaleGrid(taskCount);
            var ranks = RanksFor(taskCount, r);
            foreach (var variant in main)
            {
                if (!variant.UsesRank)
                {
                    var score = MergeScorer.Score(world, tasks, MergeScorer.Merge(inputs, variant, null, world.Seed), grid, inputs);
                    foreach (int k in ranks) yield return new GridResult(MainSection, taskCount, k, variant.Label, world.Seed, score);
                    continue;
                }

                foreach (int k in ranks)
                {
                    var merged = MergeScorer.Merge(inputs, variant, k, world.Seed);
                    yield return new GridResult(MainSection, taskCount, k, variant.Label, world.Seed, MergeScorer.Score(world, tasks, merged, grid, inputs));
                }
            }
        }

        int ablationT = _config.TaskCounts.Contains(4) ? 4 : _config.TaskCounts.Max();
        var ablationTasks = Enumerable.Range(0, ablationT).ToArray();
        var ablationLoras = ablationTasks.Select(t => world.Loras[t]).ToList();
        foreach (var variant in MergeCatalog.LegoFactorial().Where(v => v.IsAvailable))
        {
            var merged = MergeScorer.Merge(world.Base, ablationLoras, variant, r, world.Seed);
            yield return new GridResult(AblationSection, ablationT, r, variant.Label, world.Seed, MergeScorer.Score(world, ablationTasks, merged, ScaleGrid(ablationT)));
        }

        // Rank pruning: each of the first tasks' LoRA alone, cut to k < r; its own task is scored.
        int pruned = Math.Min(4, world.Tasks.Length);
        foreach (int k in new[] { r / 2, r / 4 }.Where(k => k >= 1).Distinct())
        {
            foreach (var variant in MergeCatalog.Pruning().Where(v => v.IsAvailable))
            {
                var perTask = new List<MergeScore>();
                for (int t = 0; t < pruned; t++)
                {
                    var merged = MergeScorer.Merge(world.Base, new List<UnitBlock?[]> { world.Loras[t] }, variant, k, world.Seed);
                    perTask.Add(MergeScorer.Score(world, new[] { t }, merged, ScaleGrid(1)));
                }

                var combined = new MergeScore(
                    perTask.Select(s => s.DefaultScores[0]).ToArray(),
                    perTask.Select(s => s.BestScaleScores[0]).ToArray(),
                    Median(perTask.Select(s => s.BestScale)),
                    k);
                yield return new GridResult(PruningSection, 1, k, variant.Label, world.Seed, combined);
            }
        }
    }

    private IEnumerable<double> ScaleGrid(int taskCount) => _config.ScaleGrid.Append(taskCount);

    /// <summary>The middle value (the upper one of an even count), as the report prints medians.</summary>
    internal static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        return v[v.Length / 2];
    }
}
