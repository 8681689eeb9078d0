using System;
using System.Linq;
using System.Threading;
using LoraLego.Merging;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace LoraLego.Tests.Quality;

public class LegoNormWeightedMethodTests
{
    private static UnitBlock Merge(int? rank, int seed, params UnitBlock[] sources) =>
        new LegoNormWeightedMethod().Merge(new ModuleMergeInput("m", sources[0].InFeatures, sources[0].OutFeatures, sources), new MergeOptions { Rank = rank, Seed = seed }, CancellationToken.None);

    [Fact]
    public void RegistryFindsIt() => Assert.IsType<LegoNormWeightedMethod>(MergeMethodRegistry.Get("LegoNormWeighted"));

    [Fact]
    public void RankAtLeastPoolIsTheExactSum()
    {
        var rng = new Random(11);
        var x = RankOneTestData.RandomBlock(rng, 8, 13, 2, 3.0);
        var y = RankOneTestData.RandomBlock(rng, 8, 13, 4, 0.5);
        var merged = Merge(8, 0, x, y);
        var expected = RankOneTestData.Dense(x) + RankOneTestData.Dense(y);
        Assert.True((RankOneTestData.Dense(merged) - expected).FrobeniusNorm() < 1e-5 * expected.FrobeniusNorm());
    }

    [Fact]
    public void OneClusterHasTheWeightedMeanDirectionAndTheLeastSquaresMagnitude()
    {
        var rng = new Random(12);
        var x = RankOneTestData.RandomBlock(rng, 9, 7, 3, 1.0);
        var folded = UnitBlockOps.Canonicalize(UnitBlockOps.FoldScales(x));

        // Independent computation: ĉ_a ∝ Σ ‖u_i‖ a_i/‖a_i‖, ĉ_b likewise, m = ⟨ΔW, ĉ_b ĉ_aᵀ⟩.
        var ca = Vector<double>.Build.Dense(9);
        var cb = Vector<double>.Build.Dense(7);
        for (int u = 0; u < folded.Count; u++)
        {
            var a = Vector<double>.Build.Dense(9, i => folded.UnitA(u)[i]);
            var b = Vector<double>.Build.Dense(7, i => folded.UnitB(u)[i]);
            double w = a.L2Norm() * b.L2Norm();
            ca += w * a / a.L2Norm();
            cb += w * b / b.L2Norm();
        }

        var direction = cb.Normalize(2).OuterProduct(ca.Normalize(2));
        var delta = RankOneTestData.Dense(x);
        double magnitude = delta.PointwiseMultiply(direction).Enumerate().Sum();
        var merged = Merge(1, 0, x);
        Assert.Equal(1, merged.Count);
        Assert.True((RankOneTestData.Dense(merged) - (magnitude * direction)).FrobeniusNorm() < 1e-4 * delta.FrobeniusNorm());
    }

    [Fact]
    public void AStrongUnitIsNotAveragedAwayByWeakOnes()
    {
        // One large unit and two tiny ones in other directions, one cluster: the result stays close to the large unit.
        var a = new float[3 * 4];
        var bt = new float[3 * 4];
        a[0] = 10; bt[0] = 10;              // 100 · e0 e0ᵀ
        a[4 + 1] = 0.1f; bt[4 + 1] = 0.1f;  // 0.01 · e1 e1ᵀ
        a[8 + 2] = 0.1f; bt[8 + 2] = 0.1f;  // 0.01 · e2 e2ᵀ
        var block = new UnitBlock(4, 4, a, bt, new[] { 1.0, 1.0, 1.0 });
        var merged = RankOneTestData.Dense(Merge(1, 0, block));
        Assert.InRange(merged[0, 0], 99.9, 100.01);
        Assert.True(Math.Abs(merged[1, 1]) < 1e-3 && Math.Abs(merged[2, 2]) < 1e-3);
    }
}
