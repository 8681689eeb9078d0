using System;
using LoraLego.Linalg;
using LoraLego.Tests.Merging;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace LoraLego.Tests.Linalg;

public class HouseholderQrTests
{
    [Theory]
    [InlineData(50, 6)]
    [InlineData(7, 7)]
    [InlineData(4, 9)]
    [InlineData(600, 48)] // several panels, trailing columns on threads
    public void QTimesRReconstructsTheMatrixAndQIsOrthonormal(int rows, int columns)
    {
        var m = RandomMatrix(rows, columns, rows * 100 + columns);
        var qr = new HouseholderQr(m.ToColumnMajorArray(), rows, columns);
        int p = Math.Min(rows, columns);
        Assert.Equal(p, qr.Reflectors);

        var r = Matrix<double>.Build.DenseOfColumnMajor(p, columns, qr.R());
        for (int j = 0; j < columns; j++)
        {
            for (int i = j + 1; i < p; i++) Assert.Equal(0.0, r[i, j]);
        }

        var qTimesR = Matrix<double>.Build.DenseOfColumnMajor(rows, columns, qr.MultiplyQ(r.ToColumnMajorArray(), columns));
        Assert.True((qTimesR - m).FrobeniusNorm() <= 1e-12 * m.FrobeniusNorm());

        var q = Matrix<double>.Build.DenseOfColumnMajor(rows, p, qr.MultiplyQ(Matrix<double>.Build.DenseIdentity(p).ToColumnMajorArray(), p));
        Assert.True((q.TransposeThisAndMultiply(q) - Matrix<double>.Build.DenseIdentity(p)).FrobeniusNorm() < 1e-12);
    }

    [Fact]
    public void RankDeficientColumnsKeepTheFactorizationExact()
    {
        var m = RandomMatrix(20, 4, 9);
        m.SetColumn(1, m.Column(0) * 2.0); // dependent column
        m.SetColumn(3, Vector<double>.Build.Dense(20)); // zero column
        var qr = new HouseholderQr(m.ToColumnMajorArray(), 20, 4);
        var qTimesR = Matrix<double>.Build.DenseOfColumnMajor(20, 4, qr.MultiplyQ(qr.R(), 4));
        Assert.True((qTimesR - m).FrobeniusNorm() <= 1e-12 * m.FrobeniusNorm());
    }

    [Fact]
    public void RMatchesMathNetUpToRowSigns()
    {
        var m = RandomMatrix(30, 5, 4);
        var ours = Matrix<double>.Build.DenseOfColumnMajor(5, 5, new HouseholderQr(m.ToColumnMajorArray(), 30, 5).R());
        var theirs = m.QR().R;
        for (int i = 0; i < 5; i++)
        {
            double sign = Math.Sign(ours[i, i]) * Math.Sign(theirs[i, i]);
            for (int j = 0; j < 5; j++) Assert.Equal(theirs[i, j] * sign, ours[i, j], 10);
        }
    }

    private static Matrix<double> RandomMatrix(int rows, int columns, int seed)
    {
        var rng = new Random(seed);
        return Matrix<double>.Build.Dense(rows, columns, (_, _) => UnitTestData.Gaussian(rng));
    }
}
