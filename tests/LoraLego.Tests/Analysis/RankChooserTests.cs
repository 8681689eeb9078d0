using System;
using System.Linq;
using LoraLego.Resizing;
using Xunit;

namespace LoraLego.Tests.Analysis;

public class RankChooserTests
{
    /// <summary>The definitions written out: the least k ≥ 1 whose kept share meets the threshold.</summary>
    private static int BruteForce(double[] sigma, RankCriterion criterion, double t)
    {
        for (int k = 1; k <= sigma.Length; k++)
        {
            bool ok = criterion switch
            {
                RankCriterion.Frobenius => Math.Sqrt(sigma.Take(k).Sum(s => s * s) / sigma.Sum(s => s * s)) >= t - 1e-15,
                RankCriterion.Cumulative => sigma.Take(k).Sum() / sigma.Sum() >= t - 1e-15,
                RankCriterion.SingularValueRatio => k == sigma.Length || sigma[k] < sigma[0] / t,
                _ => throw new ArgumentOutOfRangeException(nameof(criterion)),
            };
            if (ok) return k;
        }

        return sigma.Length;
    }

    [Theory]
    [InlineData(0.94, 2)]
    [InlineData(0.95, 2)]
    [InlineData(0.96, 3)]
    [InlineData(0.9, 1)]
    [InlineData(0.8, 1)]
    [InlineData(1.0, 3)]
    public void Cumulative_KohyaPr2194Example_NoOffByOne(double target, int expected)
    {
        // Cumulative shares 0.9, 0.95, 1.0: keeping 94% or 95% needs 2 values, 90% needs 1.
        var sigma = new[] { 0.9, 0.05, 0.05 };
        Assert.Equal(expected, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.Cumulative, target)));
    }

    [Theory]
    [InlineData(1.0, 1)]
    [InlineData(2.0, 2)]
    [InlineData(4.0, 3)]
    [InlineData(7.9, 3)]
    [InlineData(8.0, 4)]
    [InlineData(100.0, 4)]
    public void SingularValueRatio_KeepsEverySigmaAtLeastTheFloor(double q, int expected)
    {
        var sigma = new[] { 8.0, 4.0, 2.0, 1.0 };
        Assert.Equal(expected, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.SingularValueRatio, q)));
    }

    [Fact]
    public void Frobenius_ComparesTheNormRatioLikeSvFro()
    {
        // Energies 9, 4, 1, 1 of 15: norm ratios √(9/15) = 0.775, √(13/15) = 0.931, √(14/15) = 0.966, 1.
        var sigma = new[] { 3.0, 2.0, 1.0, 1.0 };
        Assert.Equal(1, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.Frobenius, 0.77)));
        Assert.Equal(2, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.Frobenius, 0.78)));
        Assert.Equal(2, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.Frobenius, 0.93)));
        Assert.Equal(3, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.Frobenius, 0.94)));
        Assert.Equal(4, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.Frobenius, 1.0)));
    }

    [Fact]
    public void RandomSpectra_AgreeWithTheDefinitions()
    {
        var random = new Random(17);
        foreach (var criterion in new[] { RankCriterion.Frobenius, RankCriterion.Cumulative, RankCriterion.SingularValueRatio })
        {
            for (int trial = 0; trial < 300; trial++)
            {
                int n = 1 + random.Next(32);
                var sigma = Enumerable.Range(0, n).Select(_ => Math.Exp(random.NextDouble() * 6 - 3)).OrderByDescending(s => s).ToArray();
                double t = criterion == RankCriterion.SingularValueRatio ? 1 + random.NextDouble() * 50 : 0.05 + random.NextDouble() * 0.95;
                Assert.Equal(BruteForce(sigma, criterion, t), RankChooser.Choose(sigma, ResizeOptions.Dynamic(criterion, t)));
            }
        }
    }

    [Fact]
    public void Bounds_MinMaxAvailableAndZero()
    {
        var sigma = new[] { 8.0, 4.0, 2.0, 1.0 };
        Assert.Equal(3, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.SingularValueRatio, 1.0, minRank: 3)));
        Assert.Equal(2, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.SingularValueRatio, 100.0, maxRank: 2)));
        Assert.Equal(4, RankChooser.Choose(sigma, ResizeOptions.Dynamic(RankCriterion.SingularValueRatio, 1.0, minRank: 9, maxRank: 12)));
        Assert.Equal(3, RankChooser.Choose(sigma, ResizeOptions.Fixed(3)));
        Assert.Equal(4, RankChooser.Choose(sigma, ResizeOptions.Fixed(16)));
        Assert.Equal(1, RankChooser.Choose(Array.Empty<double>(), ResizeOptions.Dynamic(RankCriterion.Frobenius, 0.9, minRank: 4)));
        Assert.Equal(1, RankChooser.Choose(Array.Empty<double>(), ResizeOptions.Fixed(8)));
    }

    [Theory]
    [InlineData(RankCriterion.Frobenius, 0.0)]
    [InlineData(RankCriterion.Frobenius, 1.5)]
    [InlineData(RankCriterion.Cumulative, -0.1)]
    [InlineData(RankCriterion.SingularValueRatio, 0.5)]
    [InlineData(RankCriterion.SingularValueRatio, double.PositiveInfinity)]
    [InlineData(RankCriterion.Fixed, 4.0)]
    public void InvalidThresholds_AreRefused(RankCriterion criterion, double threshold)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ResizeOptions.Dynamic(criterion, threshold));
    }
}
