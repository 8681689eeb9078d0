using System;
using LoraLego.Linalg;
using LoraLego.Tests.Merging;
using Xunit;

namespace LoraLego.Tests.Linalg;

public class VectorKernelsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(33)]
    [InlineData(4099)]
    public void FloatDotMatchesNaiveDoubleLoop(int length)
    {
        var rng = new Random(length);
        var x = new float[length];
        var y = new float[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = (float)UnitTestData.Gaussian(rng);
            y[i] = (float)UnitTestData.Gaussian(rng);
        }

        double expected = 0;
        for (int i = 0; i < length; i++) expected += (double)x[i] * y[i];
        Assert.Equal(expected, VectorKernels.Dot(x, y), 1e-10 * Math.Max(1, Math.Sqrt(length)));
    }

    [Fact]
    public void DoubleDotAxpyAndScaleMatchNaiveLoops()
    {
        var rng = new Random(5);
        var x = new double[37];
        var y = new double[37];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.NextDouble() - 0.5;
            y[i] = rng.NextDouble() - 0.5;
        }

        double dot = 0;
        for (int i = 0; i < x.Length; i++) dot += x[i] * y[i];
        Assert.Equal(dot, VectorKernels.Dot(x, y), 12);

        var expected = new double[y.Length];
        for (int i = 0; i < y.Length; i++) expected[i] = (y[i] + (0.25 * x[i])) * -3;
        VectorKernels.Axpy(0.25, x, y);
        VectorKernels.Scale(-3, y);
        for (int i = 0; i < y.Length; i++) Assert.Equal(expected[i], y[i], 12);
    }

    [Fact]
    public void DotRejectsDifferentLengths() =>
        Assert.Throws<ArgumentException>(() => VectorKernels.Dot(new float[3], new float[4]));

    [Fact]
    public void ArgMaxAbsFindsFirstLargestMagnitude()
    {
        Assert.Equal(1, VectorKernels.ArgMaxAbs(new[] { 1f, -5f, 5f, 2f }));
        Assert.Equal(5f, VectorKernels.MaxAbs(new[] { 1f, -5f, 5f, 2f }));
        Assert.Equal(-1, VectorKernels.ArgMaxAbs(ReadOnlySpan<float>.Empty));
    }
}
