using System;
using System.Linq;
using LoraLego.Linalg;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace LoraLego.Tests.Linalg;

public class PolarFactorTests
{
    private static Matrix<double> DensePolar(Matrix<double> m)
    {
        var svd = m.Svd(true);
        int k = Math.Min(m.RowCount, m.ColumnCount);
        return svd.U.SubMatrix(0, m.RowCount, 0, k) * svd.VT.SubMatrix(0, k, 0, m.ColumnCount);
    }

    private static Matrix<double> Columns(double[][] columns, int length) =>
        Matrix<double>.Build.Dense(length, columns.Length, (i, j) => columns[j][i]);

    [Theory]
    [InlineData(50, 7)]
    [InlineData(9, 9)]
    [InlineData(4, 6)]
    public void MatchesTheDensePolarFactor(int length, int count)
    {
        var rng = new Random(length * count);
        var m = Matrix<double>.Build.Dense(length, count, (_, _) => rng.NextDouble() - 0.5);
        var columns = Enumerable.Range(0, count).Select(j => m.Column(j).ToArray()).ToArray();
        var polar = Columns(PolarFactor.Of(columns, length), length);
        Assert.True((polar - DensePolar(m)).FrobeniusNorm() < 1e-12 * Math.Sqrt(count));

        // Orthonormal columns (or rows when there are more columns than dimensions).
        var gram = length >= count ? polar.TransposeThisAndMultiply(polar) : polar * polar.Transpose();
        Assert.True((gram - Matrix<double>.Build.DenseIdentity(gram.RowCount)).FrobeniusNorm() < 1e-12 * gram.RowCount);
    }

    [Fact]
    public void OrthonormalColumnsAreTheirOwnPolarFactor()
    {
        var q = Matrix<double>.Build.Random(30, 5, 7).QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q;
        var columns = Enumerable.Range(0, 5).Select(j => q.Column(j).ToArray()).ToArray();
        Assert.True((Columns(PolarFactor.Of(columns, 30), 30) - q).FrobeniusNorm() < 1e-13);
        Assert.Empty(PolarFactor.Of(Array.Empty<double[]>(), 30));
    }
}
