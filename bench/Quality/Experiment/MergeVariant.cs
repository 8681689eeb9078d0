using System;
using System.Collections.Generic;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Bench.Quality;

/// <summary>
/// One merge setting under test: an engine method looked up by name in <see cref="MergeMethodRegistry"/>
/// plus the options it runs with. <see cref="UsesRank"/> is false for methods whose rank is fixed by
/// the inputs (Concat: Σ r_i; linear: r).
/// </summary>
internal sealed record MergeVariant(string Label, string Method, bool UsesRank, Action<MergeOptions>? Configure = null)
{
    public MergeOptions Options(int? rank, int seed)
    {
        var options = new MergeOptions { Rank = UsesRank ? rank : null, Seed = seed };
        Configure?.Invoke(options);
        return options;
    }

    public bool IsAvailable => MergeMethodRegistry.TryGet(Method, out _);
}

/// <summary>The settings the benchmark compares.</summary>
internal static class MergeCatalog
{
    public const string ConcatLabel = "Concat (exact sum, rank T·r)";

    /// <summary>The main grid: every method at its defaults, Lego with each option changed one at a time.</summary>
    public static IReadOnlyList<MergeVariant> MainGrid() => new List<MergeVariant>
    {
        new(ConcatLabel, "Concat", false),
        new("Svd", "Svd", true),
        Lego("Lego (defaults)", _ => { }),
        Lego("Lego, param reweight MaxAbs", o => o.ParameterReweighting = ParameterReweighting.MaxAbs),
        Lego("Lego, param reweight Off", o => o.ParameterReweighting = ParameterReweighting.Off),
        Lego("Lego, output reweight Off", o => o.OutputReweighting = OutputReweighting.Off),
        Lego("Lego, raw features", o => o.FeatureNormalization = FeatureNormalization.None),
        Lego("Lego, no canonicalisation", o => o.Canonicalize = UnitCanonicalization.None),
        Lego("Lego, paper re-impl. (MaxAbs, no canon.)", o =>
        {
            o.ParameterReweighting = ParameterReweighting.MaxAbs;
            o.Canonicalize = UnitCanonicalization.None;
        }),
        new("LegoRankOne (rank-1 cosine, SVD centroids)", "LegoRankOne", true),
        new("LegoDecorrelated (Lego + TSV-M decorrelation)", "LegoDecorrelated", true),
        new("linear (rank r)", "linear", false),
        new("ties", "ties", true),
        new("dare", "dare", true),
        new("dare_ties", "dare_ties", true),
        new("magnitude_prune", "magnitude_prune", true),
        new("knots (TIES)", "knots", true),
        new("knots (TA)", "knots", true, o => o.KnotsMerge = KnotsMerge.Ta),
        new("TSV-M", "TsvM", true),
        new("Iso-C", "IsoC", true),
        new("Iso-CTS", "IsoCts", true),
        new("CoreSpace (TSV-M)", "CoreSpace", true),
        new("CoreSpace (TIES)", "CoreSpace", true, o => o.CoreSpaceMerge = "ties"),
    };

    /// <summary>
    /// Every combination of Lego's feature, canonicalisation and parameter-reweighting switches (for the
    /// ablation at k = r). Output reweighting is left at its default: at k = r its factor √(r/k) is exactly 1.
    /// </summary>
    public static IReadOnlyList<MergeVariant> LegoFactorial()
    {
        var list = new List<MergeVariant>();
        foreach (var feat in new[] { FeatureNormalization.PerHalfL2, FeatureNormalization.None })
            foreach (var canon in new[] { UnitCanonicalization.BalanceAndSign, UnitCanonicalization.None })
                foreach (var param in new[] { ParameterReweighting.L2, ParameterReweighting.MaxAbs, ParameterReweighting.Off })
                {
                    list.Add(Lego($"features {feat}, canon. {canon}, param {param}", o =>
                    {
                        o.FeatureNormalization = feat;
                        o.Canonicalize = canon;
                        o.ParameterReweighting = param;
                    }));
                }

        return list;
    }

    /// <summary>Rank pruning of one LoRA (k &lt; r).</summary>
    public static IReadOnlyList<MergeVariant> Pruning() => new List<MergeVariant>
    {
        new("Svd", "Svd", true),
        Lego("Lego (defaults)", _ => { }),
        Lego("Lego, output reweight Off", o => o.OutputReweighting = OutputReweighting.Off),
        new("LegoRankOne", "LegoRankOne", true),
    };

    private static MergeVariant Lego(string label, Action<LegoOptions> configure) =>
        new(label, "Lego", true, o => configure(o.Lego));
}
