using System;
using LoraLego.Linalg;
using LoraLego.Tests.Merging;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Units;

public class UnitBlockOpsTests
{
    [Fact]
    public void FoldScalesKeepsTheDeltaAndSetsScaleOne()
    {
        var block = UnitTestData.RandomBlock(new Random(1), 5, 12, 9, 1.0);
        block.Scale[0] = -2.5;
        block.Scale[3] = 0.01;
        var folded = UnitBlockOps.FoldScales(block);
        Assert.All(folded.Scale, s => Assert.Equal(1.0, s));
        Assert.True(UnitTestData.RelativeError(UnitTestData.Dense(folded), UnitTestData.Dense(block)) < 1e-6);
    }

    [Fact]
    public void CanonicalizeBalancesFixesSignAndKeepsTheDelta()
    {
        var block = UnitTestData.RandomBlock(new Random(2), 6, 15, 11, 0.7);
        var canon = UnitBlockOps.Canonicalize(block);
        Assert.True(UnitTestData.RelativeError(UnitTestData.Dense(canon), UnitTestData.Dense(block)) < 1e-6);
        for (int i = 0; i < canon.Count; i++)
        {
            double na = Math.Sqrt(VectorKernels.SumOfSquares(canon.UnitA(i)));
            double nb = Math.Sqrt(VectorKernels.SumOfSquares(canon.UnitB(i)));
            Assert.Equal(na, nb, 5);
            Assert.True(canon.UnitA(i)[VectorKernels.ArgMaxAbs(canon.UnitA(i))] > 0);
        }
    }

    [Fact]
    public void CanonicalizeMapsEquivalentUnitsToTheSameVectors()
    {
        var block = UnitTestData.RandomBlock(new Random(3), 1, 8, 6, 1.0);
        var a = new float[8];
        var bt = new float[6];
        for (int j = 0; j < 8; j++) a[j] = block.A[j] * -4f; // (−4·a, −b/4): same rank-1 term
        for (int j = 0; j < 6; j++) bt[j] = block.BT[j] / -4f;
        var twin = new UnitBlock(8, 6, a, bt, new[] { 1.0 });
        var c1 = UnitBlockOps.Canonicalize(block);
        var c2 = UnitBlockOps.Canonicalize(twin);
        for (int j = 0; j < 8; j++) Assert.Equal(c1.A[j], c2.A[j], 5);
        for (int j = 0; j < 6; j++) Assert.Equal(c1.BT[j], c2.BT[j], 5);
    }

    [Fact]
    public void ConcatenateGivesTheSumOfDeltas()
    {
        var rng = new Random(4);
        var x = UnitTestData.RandomBlock(rng, 3, 10, 7, 0.5);
        var y = UnitTestData.RandomBlock(rng, 5, 10, 7, -1.5);
        var both = UnitBlockOps.Concatenate(new[] { x, y });
        Assert.Equal(8, both.Count);
        Assert.True(UnitTestData.RelativeError(UnitTestData.Dense(both), UnitTestData.Dense(x) + UnitTestData.Dense(y)) < 1e-12);
    }

    [Fact]
    public void ConcatenateRejectsDifferentShapes()
    {
        var rng = new Random(5);
        Assert.Throws<ArgumentException>(() => UnitBlockOps.Concatenate(new[]
        {
            UnitTestData.RandomBlock(rng, 2, 10, 7, 1),
            UnitTestData.RandomBlock(rng, 2, 11, 7, 1),
        }));
    }

    [Theory]
    [InlineData(FeatureNormalization.None)]
    [InlineData(FeatureNormalization.PerHalfL2)]
    public void FeatureGramEqualsGramOfBuiltFeatures(FeatureNormalization normalization)
    {
        var block = UnitTestData.RandomBlock(new Random(6), 7, 13, 9, 2.0);
        var features = UnitFeatures.Build(block, normalization);
        var g = UnitPool.Create(new[] { block }, foldScales: false, canonicalize: false).FeatureGram(normalization);
        int d = 13 + 9;
        for (int i = 0; i < 7; i++)
        {
            for (int j = 0; j < 7; j++)
            {
                double expected = 0;
                for (int x = 0; x < d; x++) expected += (double)features[(i * d) + x] * features[(j * d) + x];
                Assert.Equal(expected, g[(i * 7) + j], 5);
            }
        }

        if (normalization == FeatureNormalization.PerHalfL2)
        {
            for (int i = 0; i < 7; i++) Assert.Equal(2.0, g[(i * 7) + i], 10); // two unit halves
        }
    }
}
