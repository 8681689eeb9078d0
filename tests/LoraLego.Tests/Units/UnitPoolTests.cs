using System;
using System.Linq;
using LoraLego.Linalg;
using LoraLego.Tests.Merging;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Units;

/// <summary>The pool's per-unit factors against the explicit operations they stand for.</summary>
public class UnitPoolTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void FactorsGiveTheUnitsThatFoldingAndCanonicalisingMake(bool fold, bool canonicalize)
    {
        var sources = Sources();
        var pool = UnitPool.Create(sources, fold, canonicalize);
        var explicitBlock = UnitBlockOps.Concatenate(sources);
        if (fold) explicitBlock = UnitBlockOps.FoldScales(explicitBlock);
        if (canonicalize) explicitBlock = UnitBlockOps.Canonicalize(explicitBlock);

        Assert.Equal(explicitBlock.Count, pool.Count);
        for (int i = 0; i < pool.Count; i++)
        {
            Assert.Equal(explicitBlock.Scale[i], pool.Scale[i], 12);
            var a = Canonical(pool, i);
            var expected = explicitBlock.UnitA(i).ToArray().Concat(explicitBlock.UnitB(i).ToArray()).ToArray();
            for (int x = 0; x < a.Length; x++) Assert.Equal(expected[x], a[x], 1e-6 * (1 + Math.Abs(expected[x])));
            Assert.Equal(Math.Sqrt(expected.Sum(v => (double)v * v)), pool.JointNorm(i), 1e-6);
            Assert.Equal(expected.Max(v => Math.Abs((double)v)), pool.JointMaxAbs(i), 1e-6);
        }
    }

    [Theory]
    [InlineData(FeatureNormalization.None)]
    [InlineData(FeatureNormalization.PerHalfL2)]
    public void FeatureGramIsTheGramOfTheCanonicalUnitsFeatures(FeatureNormalization normalization)
    {
        var sources = Sources();
        var pool = UnitPool.Create(sources, foldScales: true, canonicalize: true);
        var canonical = UnitBlockOps.Canonicalize(UnitBlockOps.FoldScales(UnitBlockOps.Concatenate(sources)));
        var features = UnitFeatures.Build(canonical, normalization);
        int n = pool.Count, d = pool.InFeatures + pool.OutFeatures;
        var g = pool.FeatureGram(normalization);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double expected = 0;
                for (int x = 0; x < d; x++) expected += (double)features[(i * d) + x] * features[(j * d) + x];
                Assert.Equal(expected, g[(i * n) + j], 1e-5 * (1 + Math.Abs(expected)));
            }
        }

        // The diagonal comes from the float64 norms: two unit halves are exactly 2.
        if (normalization == FeatureNormalization.PerHalfL2)
        {
            for (int i = 0; i < n; i++) Assert.Equal(2.0, g[(i * n) + i]);
        }
    }

    [Fact]
    public void AZeroHalfStaysAsItIsAndAddsNothingToTheFeatures()
    {
        var block = UnitTestData.RandomBlock(new Random(12), 3, 9, 5, 1.5);
        Array.Clear(block.BT, 5, 5); // unit 1 has b = 0
        var pool = UnitPool.Create(new[] { block }, foldScales: true, canonicalize: true);
        Assert.Equal(Math.Sqrt(1.5), pool.FactorA[1], 12);
        var g = pool.FeatureGram(FeatureNormalization.PerHalfL2);
        Assert.Equal(1.0, g[4]); // only the a half has a direction
        Assert.All(new[] { g[3], g[5] }, v => Assert.True(Math.Abs(v) <= 1 + 1e-6));
    }

    [Fact]
    public void AddToAccumulatesTheCanonicalUnitInFloat64()
    {
        var sources = Sources();
        var pool = UnitPool.Create(sources, foldScales: true, canonicalize: true);
        var sumA = new double[pool.InFeatures];
        var sumB = new double[pool.OutFeatures];
        pool.AddTo(2, 0.5, sumA, sumB);
        pool.AddTo(7, -2.0, sumA, sumB);
        for (int x = 0; x < pool.InFeatures; x++)
        {
            double expected = (0.5 * pool.FactorA[2] * pool.RawA(2)[x]) - (2.0 * pool.FactorA[7] * pool.RawA(7)[x]);
            Assert.Equal(expected, sumA[x], 1e-12);
        }

        for (int x = 0; x < pool.OutFeatures; x++)
        {
            double expected = (0.5 * pool.FactorB[2] * pool.RawB(2)[x]) - (2.0 * pool.FactorB[7] * pool.RawB(7)[x]);
            Assert.Equal(expected, sumB[x], 1e-12);
        }
    }

    private static double[] Canonical(UnitPool pool, int i)
    {
        var a = new double[pool.InFeatures];
        var b = new double[pool.OutFeatures];
        pool.AddTo(i, 1.0, a, b);
        return a.Concat(b).ToArray();
    }

    // Three sources with different (one negative) scales, long enough for vector paths and tails.
    private static UnitBlock[] Sources()
    {
        var rng = new Random(11);
        return new[]
        {
            UnitTestData.RandomBlock(rng, 4, 37, 21, 0.5),
            UnitTestData.RandomBlock(rng, 3, 37, 21, -2.0),
            UnitTestData.RandomBlock(rng, 5, 37, 21, 1.25),
        };
    }
}
