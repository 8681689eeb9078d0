using System;
using System.Linq;
using System.Threading;
using LoraLego.Merging;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace LoraLego.Tests.Merging;

/// <summary>
/// The data-free output-scale rules (<see cref="OutputScale"/>) against dense MathNet computations:
/// the merged ΔW after the rule must have the Frobenius norm the rule names, computed here from the
/// dense deltas of the sources, independently of the engine's Gram-based inner products.
/// </summary>
public class OutputScaleTests
{
    private const int In = 30, Out = 22, Rank = 4;

    /// <summary>T random LoRAs of rank 4 with the given scales (α/r with the user weight folded in).</summary>
    private static ModuleMergeInput Sources(int seed, params double[] scales)
    {
        var rng = new Random(seed);
        return new ModuleMergeInput("m", In, Out, scales.Select(s => UnitTestData.RandomBlock(rng, Rank, In, Out, s)).ToArray());
    }

    private static Matrix<double> DenseMean(ModuleMergeInput input) => UnitTestData.DenseSum(input.Sources) / input.Sources.Count;

    private static double DenseRmsNorm(ModuleMergeInput input) =>
        Math.Sqrt(input.Sources.Average(s => Math.Pow(UnitTestData.Dense(s).FrobeniusNorm(), 2)));

    private static void AssertRelative(double expected, double actual, double tolerance) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R} (relative {Math.Abs(actual - expected) / Math.Abs(expected):E2})");

    [Theory]
    [InlineData(2, 11)]
    [InlineData(3, 12)]
    [InlineData(5, 13)]
    public void MeanNormOnConcatIsTaskAveraging(int t, int seed)
    {
        // Scales whose square roots are powers of two: Concat folds √|s| into the float32 vectors, and
        // with these that fold is exact, so the concatenation is exactly the sum and the factor exactly 1/T
        // up to the order of the double sums.
        var scales = new[] { 4.0, 0.25, 1.0, 16.0, -4.0 }.Take(t).ToArray();
        var input = Sources(seed, scales);
        var merged = MergeMethodRegistry.Get("Concat").Merge(input, new MergeOptions(), CancellationToken.None);

        double factor = OutputScale.Factor(input, merged, OutputScaleRule.MeanNorm);

        AssertRelative(1.0 / t, factor, 1e-12);
        var scaled = UnitTestData.Dense(OutputScale.Scaled(merged, factor));
        Assert.True(UnitTestData.RelativeError(scaled, DenseMean(input)) < 1e-12);
    }

    [Theory]
    [InlineData("Svd", 2, OutputScaleRule.MeanNorm)]
    [InlineData("Svd", 4, OutputScaleRule.MeanNorm)]
    [InlineData("ties", 2, OutputScaleRule.MeanNorm)]
    [InlineData("ties", 4, OutputScaleRule.MeanNorm)]
    [InlineData("Svd", 2, OutputScaleRule.RmsNorm)]
    [InlineData("Svd", 4, OutputScaleRule.RmsNorm)]
    [InlineData("ties", 2, OutputScaleRule.RmsNorm)]
    [InlineData("ties", 4, OutputScaleRule.RmsNorm)]
    public void RuleGivesTheNormItNamesFromTheDenseSources(string method, int t, OutputScaleRule rule)
    {
        // Sources of different sizes and signs, so the mean's norm and the RMS of the norms differ.
        var input = Sources(20 + t, new[] { 2.0, 0.7, -1.3, 3.1 }.Take(t).ToArray());
        var merged = MergeMethodRegistry.Get(method).Merge(input, new MergeOptions { Rank = Rank, Seed = 1 }, CancellationToken.None);
        double expected = rule == OutputScaleRule.MeanNorm ? DenseMean(input).FrobeniusNorm() : DenseRmsNorm(input);

        var scaled = UnitTestData.Dense(OutputScale.Scaled(merged, OutputScale.Factor(input, merged, rule)));

        AssertRelative(expected, scaled.FrobeniusNorm(), 1e-9);
        // Only the size changes: the direction is the method's own.
        var asMerged = UnitTestData.Dense(merged);
        Assert.True(UnitTestData.RelativeError(scaled * (asMerged.FrobeniusNorm() / scaled.FrobeniusNorm()), asMerged) < 1e-12);
    }

    [Fact]
    public void MergeScaledAppliesTheOptionsRuleAndAsMergedLeavesTheOutputAlone()
    {
        var input = Sources(40, 1.5, -0.8, 2.2);
        var svd = MergeMethodRegistry.Get("Svd");
        var asMerged = svd.Merge(input, new MergeOptions { Rank = Rank }, CancellationToken.None);

        Assert.Equal(1.0, OutputScale.Factor(input, asMerged, OutputScaleRule.AsMerged));
        Assert.Same(asMerged, OutputScale.Scaled(asMerged, 1.0));
        var viaOptions = svd.MergeScaled(input, new MergeOptions { Rank = Rank, OutputScale = OutputScaleRule.RmsNorm }, CancellationToken.None);
        AssertRelative(DenseRmsNorm(input), UnitTestData.Dense(viaOptions).FrobeniusNorm(), 1e-9);
        Assert.True(UnitTestData.RelativeError(UnitTestData.Dense(viaOptions), UnitTestData.Dense(asMerged) * OutputScale.Factor(input, asMerged, OutputScaleRule.RmsNorm)) < 1e-12);
    }
}
