using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Bench.LanguageModel.Corpora;
using LoraLego.Bench.LanguageModel.Model;
using LoraLego.Bench.LanguageModel.Training;

namespace LoraLego.Bench.LanguageModel.Experiment;

/// <summary>
/// Every fixed number of a run: model shape, step counts, LoRA rank, evaluation windows, merge grid.
/// "full" is the documented benchmark; "slice" the CI check (2 layers, the two domains every machine has).
/// </summary>
internal sealed record BenchProfile(
    string Name,
    ModelConfig Model,
    string[] Domains,
    int CorpusCapBytes,
    TrainSchedule Base,
    TrainSchedule Lora,
    int LoraRank,
    double LoraAlpha,
    int[] Seeds,
    int ValidationWindows,
    int TestWindows,
    int[] DomainCounts,
    int[] RankMultiples,
    double[] ScaleGrid)
{
    public const int BaseSeed = 0;

    /// <summary>The merge methods scored (--methods); null: every registered method.</summary>
    public string[]? Methods { get; init; }

    public static BenchProfile Full { get; } = new(
        "full",
        new ModelConfig(Dim: 128, Layers: 4, Heads: 4, Context: 128),
        DomainCatalog.Full,
        CorpusStore.DefaultCapBytes,
        new TrainSchedule(Steps: 1500, Batch: 16, LearningRate: 2e-3, WarmupSteps: 100, WeightDecay: 0.1),
        new TrainSchedule(Steps: 300, Batch: 16, LearningRate: 2e-3, WarmupSteps: 30, WeightDecay: 0.0),
        LoraRank: 8,
        LoraAlpha: 16,
        Seeds: new[] { 1, 2, 3 },
        ValidationWindows: 32,
        TestWindows: 64,
        DomainCounts: new[] { 2, 4, 6 },
        RankMultiples: new[] { 1, 2 },
        ScaleGrid: new[] { 0.03125, 0.0625, 0.125, 0.25, 0.5, 1.0, 2.0 });

    public static BenchProfile Slice { get; } = new(
        "slice",
        new ModelConfig(Dim: 128, Layers: 2, Heads: 4, Context: 128),
        DomainCatalog.Slice,
        1 << 20,
        new TrainSchedule(Steps: 150, Batch: 16, LearningRate: 3e-3, WarmupSteps: 15, WeightDecay: 0.1),
        new TrainSchedule(Steps: 50, Batch: 16, LearningRate: 3e-3, WarmupSteps: 10, WeightDecay: 0.0),
        LoraRank: 8,
        LoraAlpha: 16,
        Seeds: new[] { 1 },
        ValidationWindows: 16,
        TestWindows: 32,
        DomainCounts: new[] { 2 },
        RankMultiples: new[] { 1 },
        ScaleGrid: new[] { 0.5, 1.0, 2.0 });

    /// <summary>The profile with its step counts or seeds replaced (command-line overrides; recorded in the results).</summary>
    public BenchProfile WithOverrides(IReadOnlyDictionary<string, string> o)
    {
        int? I(string k) => o.TryGetValue(k, out var v) ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : null;
        int[]? L(string k) => o.TryGetValue(k, out var v) ? v.Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : null;
        int? layers = I("layers"), baseSteps = I("base-steps"), loraSteps = I("lora-steps"), loraBatch = I("lora-batch");
        var windows = L("eval-windows");
        return this with
        {
            Name = Name + (layers is int n ? $"-L{n}" : "") + (baseSteps is int bs ? $"-base{bs}" : "") + (loraSteps is int ls ? $"-lora{ls}" : "") + (loraBatch is int lb ? $"x{lb}" : ""),
            Model = layers is int nl ? Model with { Layers = nl } : Model,
            Base = baseSteps is int b ? Base with { Steps = b, WarmupSteps = Math.Min(Base.WarmupSteps, Math.Max(1, b / 10)) } : Base,
            Lora = Lora with { Steps = loraSteps ?? Lora.Steps, Batch = loraBatch ?? Lora.Batch, WarmupSteps = Math.Min(Lora.WarmupSteps, Math.Max(1, (loraSteps ?? Lora.Steps) / 10)) },
            ValidationWindows = windows?[0] ?? ValidationWindows,
            TestWindows = windows?[1] ?? TestWindows,
            Seeds = L("seeds") ?? Seeds,
            RankMultiples = L("ranks") ?? RankMultiples,
            DomainCounts = L("counts") ?? DomainCounts,
            Methods = o.TryGetValue("methods", out var m) ? m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : Methods,
        };
    }

    public static BenchProfile Named(string name) => name switch
    {
        "full" => Full,
        "slice" => Slice,
        _ => throw new ArgumentException($"Unknown profile '{name}' (full, slice)."),
    };

    public int ValidationSeed(int seed) => 1000 + seed;

    public int TestSeed(int seed) => 2000 + seed;

    public IEnumerable<string> Describe()
    {
        yield return $"model d={Model.Dim}, {Model.Layers} layers, {Model.Heads} heads, context {Model.Context}, byte vocabulary";
        yield return $"base {Base.Steps} steps × batch {Base.Batch} (lr {Base.LearningRate}), LoRA r={LoraRank} α={LoraAlpha} on q, k, v, o, fc1, fc2: {Lora.Steps} steps × batch {Lora.Batch} (lr {Lora.LearningRate})";
        yield return $"seeds {string.Join(",", Seeds)}; evaluation windows {ValidationWindows} validation + {TestWindows} test per domain; T = {string.Join(",", DomainCounts)}; k = {string.Join(",", RankMultiples.Select(m => m == 1 ? "r" : m + "r"))}";
    }
}
