namespace LoraLego.Merging;

/// <summary>
/// What Merge-LoraAdapter and Invoke-LoraCluster do when the user names no method or output scale,
/// chosen by the quality benchmarks (docs/benchmarks.md, "Which method should I use"). One place, so
/// the cmdlets, their help and the tests cannot disagree.
/// </summary>
public static class MergeDefaults
{
    /// <summary>Merge-LoraAdapter's -Method when not given.</summary>
    public const string Method = TsvMethod.MethodName;

    /// <summary>
    /// The output scale when -OutputScale is not given: <see cref="OutputScaleRule.AsMerged"/> for
    /// Concat (its name promises the exact sum), <see cref="Rule"/> for every other method.
    /// </summary>
    public static OutputScaleRule OutputScaleFor(string method) =>
        string.Equals(MergeMethodRegistry.Key(method), MergeMethodRegistry.Key(ConcatMethod.MethodName), System.StringComparison.OrdinalIgnoreCase)
            ? OutputScaleRule.AsMerged
            : Rule;

    /// <summary>The rule every method but Concat gets by default, and Invoke-LoraCluster's default.</summary>
    public const OutputScaleRule Rule = OutputScaleRule.MeanNorm;
}
