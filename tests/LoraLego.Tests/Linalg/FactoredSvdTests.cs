using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Linalg;
using LoraLego.Tests.Merging;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace LoraLego.Tests.Linalg;

/// <summary>The one factored SVD against MathNet's dense SVD of the formed matrix.</summary>
public class FactoredSvdTests
{
    private static UnitBlock TwoSources(int inFeatures, int outFeatures) => UnitBlockOps.Concatenate(new[]
    {
        UnitTestData.RandomBlock(new Random(inFeatures + outFeatures), 4, inFeatures, outFeatures, 0.5),
        UnitTestData.RandomBlock(new Random(inFeatures * outFeatures), 6, inFeatures, outFeatures, -2.0),
    });

    private static Matrix<double> Rebuild(FactoredSvd svd)
    {
        var m = Matrix<double>.Build.Dense(svd.OutFeatures, svd.InFeatures);
        for (int j = 0; j < svd.Rank; j++) m += svd.Sigma[j] * Vector<double>.Build.Dense(svd.U[j]).OuterProduct(Vector<double>.Build.Dense(svd.V[j]));
        return m;
    }

    private static (List<double[]> B, List<double[]> A) Rows(UnitBlock block)
    {
        var b = new List<double[]>();
        var a = new List<double[]>();
        for (int k = 0; k < block.Count; k++)
        {
            b.Add(block.UnitB(k).ToArray().Select(x => (double)x).ToArray());
            a.Add(block.UnitA(k).ToArray().Select(x => (double)x).ToArray());
        }

        return (b, a);
    }

    [Theory]
    [InlineData(60, 40, 3)]
    [InlineData(24, 70, 5)]
    [InlineData(30, 20, 100)]
    public void SingularValuesAndTruncationMatchDenseSvd(int inFeatures, int outFeatures, int rank)
    {
        var pool = TwoSources(inFeatures, outFeatures);
        var dense = UnitTestData.Dense(pool);
        var expected = dense.Svd(true).S;

        var all = FactoredSvd.Compute(pool.A, pool.BT, pool.Scale, inFeatures, outFeatures);
        Assert.Equal(10, all.Rank);
        for (int i = 0; i < 10; i++) Assert.True(Math.Abs(all.Sigma[i] - expected[i]) <= 1e-12 * expected[0], $"σ{i}: {all.Sigma[i]} vs {expected[i]}");
        Assert.True(UnitTestData.RelativeError(Rebuild(all), dense) < 1e-12);

        int k = Math.Min(rank, 10);
        var svd = FactoredSvd.Compute(pool.A, pool.BT, pool.Scale, inFeatures, outFeatures, rank);
        Assert.Equal(k, svd.Rank);
        Assert.True(UnitTestData.RelativeError(Rebuild(svd), UnitTestData.Truncate(dense, k)) < 1e-12);

        // Orthonormal singular vectors.
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                Assert.Equal(i == j ? 1.0 : 0.0, VectorKernels.Dot(svd.U[i], svd.U[j]), 12);
                Assert.Equal(i == j ? 1.0 : 0.0, VectorKernels.Dot(svd.V[i], svd.V[j]), 12);
            }
        }

        // As units (√σ on both sides, float): the truncated delta to float accuracy.
        var units = UnitBlockOps.FromSvd(svd);
        Assert.True(UnitTestData.RelativeError(UnitTestData.Dense(units), UnitTestData.Truncate(dense, k)) < 1e-6);
    }

    [Fact]
    public void FloatAndDoubleInputsGiveTheSameSvd()
    {
        var pool = TwoSources(33, 17);
        var (b, a) = Rows(pool);
        var fromFloat = FactoredSvd.Compute(pool.A, pool.BT, pool.Scale, 33, 17, 4);
        var fromDouble = FactoredSvd.Compute(b, a, pool.Scale, 33, 17, 4);
        Assert.Equal(fromFloat.Sigma, fromDouble.Sigma);
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(fromFloat.U[j], fromDouble.U[j]);
            Assert.Equal(fromFloat.V[j], fromDouble.V[j]);
        }
    }

    [Fact]
    public void EachKeptPairHasPositiveLargestEntryInV()
    {
        var pool = UnitTestData.RandomBlock(new Random(3), 6, 30, 20, 1.0);
        var svd = FactoredSvd.Compute(pool.A, pool.BT, pool.Scale, 30, 20, 4);
        for (int c = 0; c < 4; c++)
        {
            double[] v = svd.V[c];
            Assert.True(v[Enumerable.Range(0, v.Length).OrderByDescending(i => Math.Abs(v[i])).First()] > 0);
        }

        var units = UnitBlockOps.FromSvd(svd);
        for (int c = 0; c < 4; c++) Assert.True(units.UnitA(c)[VectorKernels.ArgMaxAbs(units.UnitA(c))] > 0);
    }

    [Fact]
    public void DuplicatedAndZeroTermsAddNoDirections()
    {
        // Two units repeated (one negated, so they cancel) plus a zero unit: rank 1 at most.
        var one = UnitTestData.RandomBlock(new Random(4), 2, 25, 15, 1.0);
        var a = one.A.Concat(new float[25]).ToArray();
        var bt = one.BT.Concat(new float[15]).ToArray();
        var block = new UnitBlock(25, 15, a, bt, new[] { 1.0, 1.0, 0.0 });
        var dup = UnitBlockOps.Concatenate(new[] { block, new UnitBlock(25, 15, one.A.Take(25).ToArray(), one.BT.Take(15).ToArray(), new[] { -1.0 }) });
        var svd = FactoredSvd.Compute(dup.A, dup.BT, dup.Scale, 25, 15);
        Assert.Equal(1, svd.Rank);
        Assert.True(UnitTestData.RelativeError(Rebuild(svd), UnitTestData.Dense(dup)) < 1e-12);

        var zero = FactoredSvd.Compute(new float[3 * 25], new float[3 * 15], new double[3], 25, 15);
        Assert.Equal(0, zero.Rank);
        Assert.Equal(0, FactoredSvd.Compute(dup.A, dup.BT, dup.Scale, 25, 15, 0).Rank);
        Assert.Equal(3, UnitBlockOps.FromSvd(zero, padTo: 3).Count);
    }

    [Fact]
    public void OneQrPairServesTheNormOfEverySignedSubSum()
    {
        var pool = TwoSources(40, 30);
        var (b, a) = Rows(pool);
        var qrB = HouseholderQr.FromVectors(b, 30);
        var qrA = HouseholderQr.FromVectors(a, 40);
        var firstOnly = pool.Scale.Select((s, i) => i < 4 ? s : 0).ToArray();
        var difference = pool.Scale.Select((s, i) => i < 4 ? s : -s).ToArray();
        foreach (var scale in new[] { pool.Scale, firstOnly, difference })
        {
            var dense = UnitTestData.Dense(new UnitBlock(40, 30, pool.A, pool.BT, scale));
            Assert.Equal(dense.FrobeniusNorm(), FactoredSvd.FrobeniusNorm(qrB, qrA, scale), 10);
            var svd = FactoredSvd.FromQr(qrB, qrA, scale, 3);
            Assert.True(UnitTestData.RelativeError(Rebuild(svd), UnitTestData.Truncate(dense, 3)) < 1e-12);
        }
    }

    [Fact]
    public void TruncatedKeepsTheLeadingTriplets()
    {
        var pool = TwoSources(20, 20);
        var svd = FactoredSvd.Compute(pool.A, pool.BT, pool.Scale, 20, 20);
        var top = svd.Truncated(2);
        Assert.Equal(svd.Sigma.Take(2), top.Sigma);
        Assert.Same(svd.U[1], top.U[1]);
        Assert.Same(svd, svd.Truncated(50));
        Assert.Throws<ArgumentOutOfRangeException>(() => svd.Truncated(-1));
    }
}
