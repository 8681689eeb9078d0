using System;
using System.Linq;
using System.Threading;
using LoraLego.Diagnostics;
using LoraLego.Merging;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Merging;

/// <summary>Concat and Svd against dense MathNet computations; errors shared by all methods.</summary>
public class MergeMethodsTests
{
    private const int In = 36, Out = 28;

    private static ModuleMergeInput ThreeSources(int seed)
    {
        var rng = new Random(seed);
        return new ModuleMergeInput("m", In, Out, new[]
        {
            UnitTestData.RandomBlock(rng, 4, In, Out, 0.5),
            UnitTestData.RandomBlock(rng, 6, In, Out, -2.0),
            UnitTestData.RandomBlock(rng, 2, In, Out, 1.25),
        });
    }

    [Fact]
    public void ConcatEqualsTheScaledSumOfSources()
    {
        var input = ThreeSources(1);
        var merged = new ConcatMethod().Merge(input, new MergeOptions(), CancellationToken.None);
        Assert.Equal(12, merged.Count);
        Assert.All(merged.Scale, s => Assert.Equal(1.0, s));
        Assert.True(UnitTestData.RelativeError(UnitTestData.Dense(merged), UnitTestData.DenseSum(input.Sources)) < 1e-6);
    }

    [Theory]
    [InlineData("Concat")]
    [InlineData("Svd")]
    public void UnitOrderDoesNotChangeTheResult(string method)
    {
        var input = ThreeSources(2);
        var rng = new Random(3);
        var permuted = new ModuleMergeInput("m", In, Out, input.Sources
            .Select(b => UnitTestData.Permute(b, Enumerable.Range(0, b.Count).OrderBy(_ => rng.Next()).ToArray()))
            .ToArray());
        var options = new MergeOptions { Rank = 5 };
        var m = MergeMethodRegistry.Get(method);
        var x = UnitTestData.Dense(m.Merge(input, options, CancellationToken.None));
        var y = UnitTestData.Dense(m.Merge(permuted, options, CancellationToken.None));
        Assert.True(UnitTestData.RelativeError(y, x) < 1e-5);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(12)]
    public void SvdEqualsDenseTruncatedSvdWithEachScaleAppliedOnce(int rank)
    {
        var input = ThreeSources(4);
        var merged = new SvdMethod().Merge(input, new MergeOptions { Rank = rank }, CancellationToken.None);
        Assert.Equal(rank, merged.Count);
        Assert.All(merged.Scale, s => Assert.Equal(1.0, s));

        var dense = UnitTestData.DenseSum(input.Sources);
        var expected = UnitTestData.Truncate(dense, rank);
        var actual = UnitTestData.Dense(merged);
        Assert.True(UnitTestData.RelativeError(actual, expected) < 1e-4);

        var sigma = dense.Svd(true).S;
        var ours = actual.Svd(true).S;
        for (int i = 0; i < rank; i++) Assert.True(Math.Abs(ours[i] - sigma[i]) <= 1e-4 * sigma[i], $"σ{i}");
    }

    [Fact]
    public void SvdDefaultsToTheLargestSourceRank()
    {
        var merged = new SvdMethod().Merge(ThreeSources(5), new MergeOptions(), CancellationToken.None);
        Assert.Equal(6, merged.Count);
    }

    [Fact]
    public void SvdHasTheSmallestErrorOfAllMethodsAtTheSameRank()
    {
        var input = ThreeSources(6);
        var dense = UnitTestData.DenseSum(input.Sources);
        const int k = 5;
        double svd = UnitTestData.RelativeError(UnitTestData.Dense(new SvdMethod().Merge(input, new MergeOptions { Rank = k }, CancellationToken.None)), dense);

        var concat = new ConcatMethod().Merge(input, new MergeOptions(), CancellationToken.None);
        double firstK = UnitTestData.RelativeError(UnitTestData.Dense(UnitBlockOps.Select(concat, Enumerable.Range(0, k).ToArray())), dense);
        Assert.True(svd < firstK);

        foreach (var reweight in new[] { ParameterReweighting.L2, ParameterReweighting.MaxAbs, ParameterReweighting.Off })
        {
            foreach (var output in new[] { OutputReweighting.SqrtRankRatio, OutputReweighting.Off })
            {
                var options = new MergeOptions { Rank = k, Seed = 1 };
                options.Lego.ParameterReweighting = reweight;
                options.Lego.OutputReweighting = output;
                double lego = UnitTestData.RelativeError(UnitTestData.Dense(new LegoMethod().Merge(input, options, CancellationToken.None)), dense);
                Assert.True(svd < lego, $"{reweight}/{output}: svd {svd} vs lego {lego}");
            }
        }
    }

    [Theory]
    [InlineData("Concat")]
    [InlineData("Svd")]
    [InlineData("Lego")]
    public void ShapeMismatchIsReportedWithTheModule(string method)
    {
        var rng = new Random(7);
        var input = new ModuleMergeInput("layers.0.q_proj", In, Out, new[]
        {
            UnitTestData.RandomBlock(rng, 2, In, Out, 1),
            UnitTestData.RandomBlock(rng, 2, In + 1, Out, 1),
        });
        var e = Assert.Throws<LoraLegoException>(() => MergeMethodRegistry.Get(method).Merge(input, new MergeOptions(), CancellationToken.None));
        Assert.Equal("ModuleShapeMismatch", e.ErrorId);
        Assert.Equal("layers.0.q_proj", e.Target);
        Assert.Contains("layers.0.q_proj", e.Message);
    }

    [Theory]
    [InlineData("Concat")]
    [InlineData("Svd")]
    [InlineData("Lego")]
    public void NoSourcesIsAnError(string method)
    {
        var e = Assert.Throws<LoraLegoException>(() => MergeMethodRegistry.Get(method).Merge(new ModuleMergeInput("m", In, Out, Array.Empty<UnitBlock>()), new MergeOptions(), CancellationToken.None));
        Assert.Equal("NoMergeSources", e.ErrorId);
    }

    [Theory]
    [InlineData("Svd")]
    [InlineData("Lego")]
    public void RankBelowOneIsAnError(string method)
    {
        var e = Assert.Throws<LoraLegoException>(() => MergeMethodRegistry.Get(method).Merge(ThreeSources(8), new MergeOptions { Rank = 0 }, CancellationToken.None));
        Assert.Equal("InvalidMergeRank", e.ErrorId);
    }
}
