using System;
using System.Threading;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// How a merged module's output is scaled after the method has merged it (data-free: from the
/// factors only). Measured on both quality benchmarks in docs/benchmarks.md ("output scale").
/// </summary>
public enum OutputScaleRule
{
    /// <summary>The method's output as its paper defines it (the exact sum for Concat).</summary>
    AsMerged,

    /// <summary>
    /// Rescaled so ‖ΔW_merged‖_F equals ‖(1/T) Σ_t ΔW_t‖_F, the norm of the sources' average:
    /// the merge keeps its direction and gets the size task averaging would give (Concat becomes the average).
    /// </summary>
    MeanNorm,

    /// <summary>Rescaled so ‖ΔW_merged‖_F equals √((1/T) Σ_t ‖ΔW_t‖²_F), the sources' root-mean-square norm.</summary>
    RmsNorm,
}

/// <summary>Applies an <see cref="OutputScaleRule"/> to one merged module.</summary>
public static class OutputScale
{
    /// <summary>Merges the module with <paramref name="method"/>, then scales it by <see cref="MergeOptions.OutputScale"/>.</summary>
    public static UnitBlock MergeScaled(this IMergeMethod method, ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        if (method is null) throw new ArgumentNullException(nameof(method));
        if (options is null) throw new ArgumentNullException(nameof(options));
        var merged = method.Merge(input, options, cancellationToken);
        if (options.OutputScale == OutputScaleRule.AsMerged) return merged;
        cancellationToken.ThrowIfCancellationRequested();
        return Scaled(merged, Factor(input, merged, options.OutputScale));
    }

    /// <summary>
    /// The factor the rule multiplies the merged module by: target norm / merged norm (1 for AsMerged,
    /// and when either norm is zero: nothing to scale).
    /// </summary>
    public static double Factor(ModuleMergeInput input, UnitBlock merged, OutputScaleRule rule)
    {
        if (input is null) throw new ArgumentNullException(nameof(input));
        if (merged is null) throw new ArgumentNullException(nameof(merged));
        if (rule == OutputScaleRule.AsMerged || input.Sources.Count == 0 || merged.Count == 0) return 1.0;
        var p = DeltaInnerProducts.Matrix(input.Sources);
        int t = input.Sources.Count;
        double target2 = 0;
        for (int i = 0; i < t; i++)
        {
            if (rule == OutputScaleRule.RmsNorm) target2 += p[i, i] / t;
            else for (int j = 0; j < t; j++) target2 += p[i, j] / ((double)t * t);
        }

        double merged2 = DeltaInnerProducts.SquaredNorm(merged);
        if (!(target2 > 0) || !(merged2 > 0)) return 1.0;
        return Math.Sqrt(target2 / merged2);
    }

    /// <summary>The block with every unit's scale multiplied by <paramref name="factor"/> (a new block sharing the vectors).</summary>
    public static UnitBlock Scaled(UnitBlock block, double factor)
    {
        if (block is null) throw new ArgumentNullException(nameof(block));
        if (factor == 1.0) return block;
        var scale = new double[block.Count];
        for (int i = 0; i < scale.Length; i++) scale[i] = block.Scale[i] * factor;
        return new UnitBlock(block.InFeatures, block.OutFeatures, block.A, block.BT, scale);
    }
}
