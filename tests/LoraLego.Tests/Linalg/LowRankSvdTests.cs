using System;
using LoraLego.Linalg;
using LoraLego.Tests.Merging;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Linalg;

public class LowRankSvdTests
{
    [Theory]
    [InlineData(60, 40, 3)]
    [InlineData(24, 70, 5)]
    public void SingularValuesAndTruncationMatchDenseSvd(int inFeatures, int outFeatures, int rank)
    {
        var rng = new Random(inFeatures + outFeatures);
        var pool = UnitBlockOps.Concatenate(new[]
        {
            UnitTestData.RandomBlock(rng, 4, inFeatures, outFeatures, 0.5),
            UnitTestData.RandomBlock(rng, 6, inFeatures, outFeatures, -2.0),
        });
        var dense = UnitTestData.Dense(pool);
        var expected = dense.Svd(true).S;

        var svd = LowRankSvd.Compute(pool.A, pool.BT, pool.Scale, inFeatures, outFeatures, rank);
        Assert.Equal(10, svd.SingularValues.Length);
        for (int i = 0; i < 10; i++) Assert.True(Math.Abs(svd.SingularValues[i] - expected[i]) <= 1e-4 * expected[0], $"σ{i}: {svd.SingularValues[i]} vs {expected[i]}");

        var scale = new double[rank];
        for (int i = 0; i < rank; i++) scale[i] = 1;
        var truncated = UnitTestData.Dense(new UnitBlock(inFeatures, outFeatures, svd.A, svd.BT, scale));
        Assert.True(UnitTestData.RelativeError(truncated, UnitTestData.Truncate(dense, rank)) < 1e-4);
    }

    [Fact]
    public void KeepsOnlyTheAvailableTripletsWhenRankExceedsThem()
    {
        var pool = UnitTestData.RandomBlock(new Random(2), 3, 10, 8, 1.0);
        var svd = LowRankSvd.Compute(pool.A, pool.BT, pool.Scale, 10, 8, 12);
        Assert.Equal(3, svd.Rank);
        Assert.Equal(3 * 10, svd.A.Length);
    }

    [Fact]
    public void EachKeptUnitHasPositiveLargestEntryInA()
    {
        var pool = UnitTestData.RandomBlock(new Random(3), 6, 30, 20, 1.0);
        var svd = LowRankSvd.Compute(pool.A, pool.BT, pool.Scale, 30, 20, 4);
        for (int c = 0; c < 4; c++)
        {
            var row = new ReadOnlySpan<float>(svd.A, c * 30, 30);
            Assert.True(row[VectorKernels.ArgMaxAbs(row)] > 0);
        }
    }
}
