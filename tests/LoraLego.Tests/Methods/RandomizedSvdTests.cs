using System;
using System.Linq;
using LoraLego.Linalg;
using LoraLego.Merging.Dense;
using MathNet.Numerics.LinearAlgebra;
using Xunit;
using static LoraLego.Tests.Methods.DenseReference;

namespace LoraLego.Tests.Methods;

public class RandomizedSvdTests
{
    /// <summary>A rows × cols matrix of exact rank σ.Length with the given singular values (random orthonormal factors).</summary>
    private static Matrix<double> LowRank(int rows, int cols, double[] sigma, int seed)
    {
        var rng = new Random(seed);
        var g1 = Matrix<double>.Build.Dense(rows, sigma.Length, (_, _) => rng.NextDouble() - 0.5);
        var g2 = Matrix<double>.Build.Dense(cols, sigma.Length, (_, _) => rng.NextDouble() - 0.5);
        var q1 = g1.QR().Q.SubMatrix(0, rows, 0, sigma.Length);
        var q2 = g2.QR().Q.SubMatrix(0, cols, 0, sigma.Length);
        return q1 * Matrix<double>.Build.DenseOfDiagonalArray(sigma) * q2.Transpose();
    }

    private static float[] RowMajor(Matrix<double> m)
    {
        var f = new float[m.RowCount * m.ColumnCount];
        for (int r = 0; r < m.RowCount; r++)
        {
            for (int c = 0; c < m.ColumnCount; c++) f[(r * m.ColumnCount) + c] = (float)m[r, c];
        }

        return f;
    }

    private static Matrix<double> Rebuild(FactoredSvd svd, int rows, int cols)
    {
        var m = Matrix<double>.Build.Dense(rows, cols);
        for (int j = 0; j < svd.Sigma.Length; j++) m += svd.Sigma[j] * Vector<double>.Build.Dense(svd.U[j]).OuterProduct(Vector<double>.Build.Dense(svd.V[j]));
        return m;
    }

    [Fact]
    public void ExactLowRankMatrixIsRecoveredWithItsSingularValues()
    {
        double[] sigma = { 9, 7, 5, 3, 2, 1 };
        var m = LowRank(203, 151, sigma, 1);
        var svd = RandomizedSvd.Compute(RowMajor(m), 203, 151, 6, seed: 17);
        Assert.Equal(6, svd.Sigma.Length);
        for (int j = 0; j < 6; j++) Assert.Equal(sigma[j], svd.Sigma[j], 5);
        Assert.True(RelativeDifference(Rebuild(svd, 203, 151), m) < 1e-5);
        for (int j = 0; j < 6; j++)
        {
            Assert.Equal(1.0, Vector<double>.Build.Dense(svd.U[j]).L2Norm(), 6);
            Assert.Equal(1.0, Vector<double>.Build.Dense(svd.V[j]).L2Norm(), 6);
        }
    }

    [Fact]
    public void WideMatrixSpanningSeveralColumnAndRowChunksIsRecovered()
    {
        double[] sigma = { 4, 3, 2.5, 1, 0.5 };
        var m = LowRank(300, 1100, sigma, 3);
        var svd = RandomizedSvd.Compute(RowMajor(m), 300, 1100, 5, seed: 23);
        for (int j = 0; j < 5; j++) Assert.Equal(sigma[j], svd.Sigma[j], 5);
        Assert.True(RelativeDifference(Rebuild(svd, 300, 1100), m) < 1e-5);
    }

    [Fact]
    public void TruncationMatchesTheExactTruncatedSvd()
    {
        var m = LowRank(120, 90, new double[] { 10, 8, 6, 4, 2, 1 }, 2);
        var svd = RandomizedSvd.Compute(RowMajor(m), 120, 90, 3, seed: 5);
        Assert.Equal(3, svd.Sigma.Length);
        Assert.True(RelativeDifference(Rebuild(svd, 120, 90), TruncatedSvd(m, 3)) < 1e-5);
    }

    [Fact]
    public void ZeroMatrixGivesNoDirections()
    {
        var svd = RandomizedSvd.Compute(new float[30 * 20], 30, 20, 4, seed: 1);
        Assert.Empty(svd.Sigma);
    }

    [Fact]
    public void RadixSelectTrimKeepsExactlyTheSameEntriesAsASortWithIndexOrderTies()
    {
        var rng = new Random(12);

        // Few distinct magnitudes, both signs: many ties at the threshold.
        var values = Enumerable.Range(0, 997).Select(_ => (float)(rng.Next(-6, 7) * 0.25)).ToArray();
        var m = FromRowMajor(values, 1, values.Length);
        foreach (double density in new[] { 0.1, 0.37, 0.5, 0.9 })
        {
            var trimmed = (float[])values.Clone();
            LoraLego.Merging.Dense.MagnitudeTrim.Apply(trimmed, LoraLego.Merging.Dense.MagnitudeTrim.KeepCount(density, trimmed.Length));
            var expected = MagnitudeTrim(m, density);
            Assert.Equal(expected.Row(0).Select(x => (float)x).ToArray(), trimmed);
        }
    }

    [Fact]
    public void RadixSelectTrimCarriesTieCountsAcrossParallelChunks()
    {
        // 200 003 entries span four 65 536-entry chunks; eight magnitudes make ties in every chunk.
        var rng = new Random(13);
        var values = Enumerable.Range(0, 200_003).Select(_ => (float)(rng.Next(-4, 5) * 0.5)).ToArray();
        foreach (double density in new[] { 0.3, 0.77 })
        {
            var trimmed = (float[])values.Clone();
            long keep = LoraLego.Merging.Dense.MagnitudeTrim.KeepCount(density, trimmed.Length);
            LoraLego.Merging.Dense.MagnitudeTrim.Apply(trimmed, keep);
            var kept = Enumerable.Range(0, values.Length).OrderByDescending(i => Math.Abs(values[i])).ThenBy(i => i).Take((int)keep).ToHashSet();
            var expected = values.Select((v, i) => kept.Contains(i) ? v : 0f).ToArray();
            Assert.Equal(expected, trimmed);
        }
    }
}
