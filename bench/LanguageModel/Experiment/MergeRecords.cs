using System.Collections.Generic;
using LoraLego.Bench.LanguageModel.Training;

namespace LoraLego.Bench.LanguageModel.Experiment;

/// <summary>How one saved LoRA trained (read from its .train.json beside the adapter folder).</summary>
internal sealed record LoraTraining(int Seed, string Domain, TrainReport Report);

/// <summary>Held-out losses of one domain for one seed: the base model and the domain's own LoRA.</summary>
internal sealed record DomainBaseline(int Seed, string Domain, double BaseValidation, double OwnValidation, double BaseTest, double OwnTest);

/// <summary>
/// One merge of one domain subset with one method at one rank setting, on one seed. Recovery of a domain =
/// (loss_base − loss_merged) / (loss_base − loss_own) on its test windows; the best scale is chosen on
/// the validation windows (mean validation recovery over the subset) and reported on the test windows.
/// </summary>
internal sealed record MergeRecord(
    int Seed,
    string Method,
    string RankSetting,
    int MergedRank,
    string[] Domains,
    double[] DefaultLoss,
    double[] DefaultRecovery,
    double BestScale,
    double[] BestLoss,
    double[] BestRecovery,
    double MergeSeconds,
    IReadOnlyList<RuleResult> Rules);

/// <summary>
/// The merge with a data-free output-scale rule applied per module (<see cref="LoraLego.Merging.OutputScaleRule"/>):
/// the median and range of the factors it gave the modules, and the test recovery of the scaled adapter.
/// </summary>
internal sealed record RuleResult(string Rule, double MedianFactor, double MinFactor, double MaxFactor, double[] Loss, double[] Recovery);

/// <summary>Everything a merge run writes to JSON.</summary>
internal sealed record MergeResults(
    string Profile,
    IReadOnlyList<string> ModelDescription,
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> Domains,
    IReadOnlyList<int> Seeds,
    IReadOnlyList<double> ScaleGrid,
    IReadOnlyList<DomainBaseline> Baselines,
    IReadOnlyList<MergeRecord> Merges,
    TrainReport? BaseTraining,
    IReadOnlyList<LoraTraining> LoraTraining,
    double Seconds,
    IReadOnlyList<string> Notes);
