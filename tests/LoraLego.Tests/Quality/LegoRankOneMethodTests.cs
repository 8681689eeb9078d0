using System;
using System.Linq;
using System.Threading;
using LoraLego.Merging;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Quality;

public class LegoRankOneMethodTests
{
    private static UnitBlock Merge(int? rank, int seed, params UnitBlock[] sources) =>
        new LegoRankOneMethod().Merge(new ModuleMergeInput("m", sources[0].InFeatures, sources[0].OutFeatures, sources), new MergeOptions { Rank = rank, Seed = seed }, CancellationToken.None);

    [Fact]
    public void RegistryFindsIt() => Assert.IsType<LegoRankOneMethod>(MergeMethodRegistry.Get("legorankone"));

    [Fact]
    public void RankAtLeastPoolIsTheExactSum()
    {
        var rng = new Random(1);
        var x = RankOneTestData.RandomBlock(rng, 12, 9, 3, 0.5);
        var y = RankOneTestData.RandomBlock(rng, 12, 9, 2, 2.0);
        var merged = Merge(5, 0, x, y);
        Assert.Equal(5, merged.Count);
        var expected = RankOneTestData.Dense(x) + RankOneTestData.Dense(y);
        Assert.True((RankOneTestData.Dense(merged) - expected).FrobeniusNorm() < 1e-5 * expected.FrobeniusNorm());
    }

    [Fact]
    public void OneClusterIsTheBestRankOneApproximationOfTheSum()
    {
        var rng = new Random(2);
        var x = RankOneTestData.RandomBlock(rng, 20, 15, 4, 1.5);
        var y = RankOneTestData.RandomBlock(rng, 20, 15, 4, 0.25);
        var merged = Merge(1, 3, x, y);
        Assert.Equal(1, merged.Count);

        var sum = RankOneTestData.Dense(x) + RankOneTestData.Dense(y);
        var svd = sum.Svd();
        var best = svd.S[0] * svd.U.Column(0).OuterProduct(svd.VT.Row(0));
        Assert.True((RankOneTestData.Dense(merged) - best).FrobeniusNorm() < 1e-4 * svd.S[0]);
    }

    [Fact]
    public void MergedDeltaIgnoresHowEachUnitIsFactored()
    {
        var rng = new Random(3);
        var x = RankOneTestData.RandomBlock(rng, 16, 10, 4, 1.0);
        var y = RankOneTestData.RandomBlock(rng, 16, 10, 4, 1.0);
        var z = RankOneTestData.RandomBlock(rng, 16, 10, 4, 1.0);
        var direct = RankOneTestData.Dense(Merge(3, 7, x, y, z));
        var refactored = RankOneTestData.Dense(Merge(3, 7, RankOneTestData.Reparameterise(x, rng), RankOneTestData.Reparameterise(y, rng), RankOneTestData.Reparameterise(z, rng)));
        Assert.True((direct - refactored).FrobeniusNorm() < 1e-4 * direct.FrobeniusNorm());
    }

    [Fact]
    public void CloseToSvdAndNeverBetterThanItInFrobeniusError()
    {
        var rng = new Random(4);
        var sources = Enumerable.Range(0, 4).Select(_ => RankOneTestData.RandomBlock(rng, 24, 18, 4, 1.0)).ToArray();
        var sum = RankOneTestData.DenseSum(sources);
        var svd = sum.Svd();
        int k = 4;
        double optimal = Math.Sqrt(svd.S.Skip(k).Sum(s => s * s));
        double error = (RankOneTestData.Dense(Merge(k, 11, sources)) - sum).FrobeniusNorm();

        // Eckart–Young: nothing of rank k beats the truncated SVD; clustering into k rank-1 sums does not reach it either.
        Assert.True(error >= optimal * (1 - 1e-6));
        // ...but it is an approximation of the sum, far better than dropping it: below the error of the zero matrix.
        Assert.True(error < sum.FrobeniusNorm());
    }

    [Fact]
    public void UntrainedLorasWithZeroBMergeToZeroUnits()
    {
        // PEFT initialises B to zero: every unit is the zero matrix. The merge must still deliver k units.
        var rng = new Random(8);
        var x = RankOneTestData.RandomBlock(rng, 6, 4, 3, 1.0);
        var y = RankOneTestData.RandomBlock(rng, 6, 4, 3, 1.0);
        Array.Clear(x.BT, 0, x.BT.Length);
        Array.Clear(y.BT, 0, y.BT.Length);
        var merged = Merge(2, 0, x, y);
        Assert.Equal(2, merged.Count);
        Assert.Equal(0, RankOneTestData.Dense(merged).FrobeniusNorm());
    }

    [Fact]
    public void ZeroUnitsAmongLiveOnesDoNotDisturbTheResult()
    {
        var rng = new Random(9);
        var live = RankOneTestData.RandomBlock(rng, 7, 5, 3, 1.0);
        var dead = RankOneTestData.RandomBlock(rng, 7, 5, 3, 1.0);
        Array.Clear(dead.BT, 0, dead.BT.Length);
        var sum = RankOneTestData.Dense(live);
        var svd = sum.Svd();
        var best = svd.S[0] * svd.U.Column(0).OuterProduct(svd.VT.Row(0));

        // One cluster: whatever the zero units do, the centroid is the top singular term of the live sum.
        var merged = RankOneTestData.Dense(Merge(1, 4, live, dead));
        Assert.True((merged - best).FrobeniusNorm() < 1e-4 * svd.S[0]);
    }

    [Fact]
    public void RankBelowOneIsRefusedWithItsErrorId()
    {
        var block = RankOneTestData.RandomBlock(new Random(6), 5, 5, 2, 1.0);
        var e = Assert.Throws<LoraLego.Diagnostics.LoraLegoException>(() => Merge(0, 0, block, block));
        Assert.Equal("InvalidMergeRank", e.ErrorId);
    }

    [Fact]
    public void SameSeedSameResult()
    {
        var rng = new Random(5);
        var sources = Enumerable.Range(0, 3).Select(_ => RankOneTestData.RandomBlock(rng, 10, 10, 4, 1.0)).ToArray();
        var first = Merge(4, 9, sources);
        var second = Merge(4, 9, sources);
        Assert.Equal(first.A, second.A);
        Assert.Equal(first.BT, second.BT);
    }
}
