using System.Collections.Generic;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Bench.Quality;

/// <summary>
/// One data-free output-scale rule applied to one merge: the normalised test score per task and the
/// median of the per-layer factors the engine's rule gave.
/// </summary>
internal sealed record RuleScore(OutputScaleRule Rule, double[] Scores, double MedianFactor);

/// <summary>
/// The engine's output-scale rules (<see cref="OutputScale"/>), applied layer by layer to a merge of the
/// main grid as Merge-LoraAdapter -OutputScale applies them module by module. No tuning: each rule's
/// factor comes from the factors of the sources and of the merged layer only.
/// </summary>
internal static class OutputScaleRules
{
    /// <summary>The rules scored beside the default and the tuned scale (AsMerged is the default itself).</summary>
    public static readonly OutputScaleRule[] Rules = { OutputScaleRule.MeanNorm, OutputScaleRule.RmsNorm };

    /// <summary>The merged layers with <paramref name="rule"/> applied, and the factor of each layer that has a merge.</summary>
    public static (UnitBlock?[] Scaled, double[] Factors) Apply(UnitBlock?[] merged, IReadOnlyList<ModuleMergeInput?> inputs, OutputScaleRule rule)
    {
        var scaled = new UnitBlock?[merged.Length];
        var factors = new List<double>();
        for (int l = 0; l < merged.Length; l++)
        {
            if (merged[l] is not { } block || inputs[l] is not { } input) continue;
            double f = OutputScale.Factor(input, block, rule);
            factors.Add(f);
            scaled[l] = OutputScale.Scaled(block, f);
        }

        return (scaled, factors.ToArray());
    }
}
