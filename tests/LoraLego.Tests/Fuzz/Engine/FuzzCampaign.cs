using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace LoraLego.Fuzzing;

/// <summary>Runs cases [first, first + count) of a seeded campaign and keeps the figures the report needs.</summary>
public sealed class FuzzCampaign
{
    private readonly Dictionary<string, int> _byOutcome = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _byMutation = new(StringComparer.Ordinal);
    private readonly List<FuzzResult> _failures = new();

    public FuzzCampaign(ulong seed) => Seed = seed;

    public ulong Seed { get; }

    public int Cases { get; private set; }

    public IReadOnlyDictionary<string, int> ByOutcome => _byOutcome;

    public IReadOnlyList<FuzzResult> Failures => _failures;

    public FuzzResult? Slowest { get; private set; }

    /// <summary>Largest allocated/input among inputs of at least <see cref="RatioMinimumInput"/> bytes (tiny inputs make any ratio meaningless).</summary>
    public FuzzResult? LargestAllocationRatio { get; private set; }

    /// <summary>Largest allocated/bound over every case (must stay ≤ 1).</summary>
    public FuzzResult? LargestBoundUse { get; private set; }

    public const long RatioMinimumInput = 64 << 10;

    public TimeSpan TotalTime { get; private set; }

    public void Run(IReadOnlyList<FuzzSeed> seeds, FuzzRunner runner, long first, long count, Action<FuzzResult>? onResult = null)
    {
        var mutator = new Mutator(seeds, Seed);
        for (long i = first; i < first + count; i++)
        {
            Add(runner.Run(mutator.Case(i)));
            onResult?.Invoke(_last!);
        }
    }

    private FuzzResult? _last;

    public void Add(FuzzResult result)
    {
        _last = result;
        Cases++;
        TotalTime += result.Elapsed;
        _byOutcome[result.Outcome] = _byOutcome.TryGetValue(result.Outcome, out var n) ? n + 1 : 1;
        if (!_byMutation.TryGetValue(result.Case.Mutation, out var outcomes)) _byMutation[result.Case.Mutation] = outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        outcomes[result.Outcome] = outcomes.TryGetValue(result.Outcome, out var m) ? m + 1 : 1;
        if (Slowest is null || result.Elapsed > Slowest.Elapsed) Slowest = result;
        if (result.Case.InputBytes >= RatioMinimumInput && (LargestAllocationRatio is null || result.AllocationRatio > LargestAllocationRatio.AllocationRatio)) LargestAllocationRatio = result;
        if (LargestBoundUse is null || BoundUse(result) > BoundUse(LargestBoundUse)) LargestBoundUse = result;
        if (result.IsFailure) _failures.Add(result);
    }

    public static double BoundUse(FuzzResult r) => (double)r.Allocated / FuzzRunner.AllocationBound(r.Case.InputBytes, r.Case.JsonBytes);

    /// <summary>Markdown: outcomes by ErrorId, outcomes by mutation, slowest case, largest allocation ratio, failures.</summary>
    public string Report(IReadOnlyList<FuzzSeed> seeds)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"Fuzz campaign: seed {Seed}, {Cases} cases over {seeds.Count} seeds ({string.Join(", ", seeds.Select(x => x.Name))}), {TotalTime.TotalSeconds:F1} s in cases.");
        s.AppendLine(c, $"Allocation bound: {FuzzRunner.FixedOverhead:N0} + 4 × input bytes + {FuzzRunner.JsonFactor} × JSON bytes (header and config); time limit {FuzzRunner.TimeLimit.TotalMilliseconds} ms per case.");
        s.AppendLine();
        s.AppendLine("| outcome | cases |");
        s.AppendLine("|---|---:|");
        foreach (var (outcome, n) in _byOutcome.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)) s.AppendLine(c, $"| {outcome} | {n} |");
        s.AppendLine();
        s.AppendLine("| mutation | cases | outcomes |");
        s.AppendLine("|---|---:|---|");
        foreach (var (mutation, outcomes) in _byMutation.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var list = string.Join(", ", outcomes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));
            s.AppendLine(c, $"| {mutation} | {outcomes.Values.Sum()} | {list} |");
        }

        s.AppendLine();
        if (Slowest is not null) s.AppendLine(c, $"Slowest case: {Slowest.Describe()}");
        if (LargestAllocationRatio is not null)
            s.AppendLine(c, $"Largest allocation ratio (inputs of {RatioMinimumInput / 1024} KiB or more): {LargestAllocationRatio.AllocationRatio:F2} × input ({LargestAllocationRatio.Describe()})");
        if (LargestBoundUse is not null)
            s.AppendLine(c, $"Largest share of the allocation bound: {BoundUse(LargestBoundUse):P1} ({LargestBoundUse.Describe()})");
        s.AppendLine(c, $"Failures (crash, hang, over time or over the allocation bound): {_failures.Count}");
        foreach (var f in _failures.Take(50)) s.AppendLine(c, $"- {f.Describe()}");
        return s.ToString();
    }
}
