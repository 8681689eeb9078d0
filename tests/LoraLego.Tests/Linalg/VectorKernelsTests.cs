using System;
using System.Linq;
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

    [Theory]
    [InlineData(3)]
    [InlineData(37)]
    [InlineData(1000)]
    public void VectorMaxAbsAndArgMaxAbsMatchTheScalarDefinition(int length)
    {
        var rng = new Random(length);
        for (int trial = 0; trial < 20; trial++)
        {
            var x = new float[length];
            for (int i = 0; i < length; i++) x[i] = (float)Math.Round(UnitTestData.Gaussian(rng) * 4); // integers: many ties
            if (trial % 4 == 1) x[rng.Next(length)] = float.NaN; // NaNs are passed over, as the scalar loop does
            float m = 0;
            int at = -1;
            float best = -1;
            for (int i = 0; i < length; i++)
            {
                float a = Math.Abs(x[i]);
                if (a > m) m = a;
                if (a > best) { best = a; at = i; }
            }

            Assert.Equal(m, VectorKernels.MaxAbs(x));
            Assert.Equal(at, VectorKernels.ArgMaxAbs(x));
        }

        Assert.Equal(-1, VectorKernels.ArgMaxAbs(Enumerable.Repeat(float.NaN, length).ToArray()));
    }

    [Fact]
    public void AddScaledAndScaleToFloatRoundOnceFromFloat64()
    {
        var rng = new Random(9);
        var x = Enumerable.Range(0, 43).Select(_ => (float)UnitTestData.Gaussian(rng)).ToArray();
        var y = Enumerable.Range(0, 43).Select(_ => UnitTestData.Gaussian(rng)).ToArray();
        var expected = y.Select((v, i) => v + (0.3 * x[i])).ToArray();
        VectorKernels.AddScaled(0.3, x, y);
        Assert.Equal(expected, y);

        var f = new float[43];
        VectorKernels.ScaleToFloat(-1.7, y, f);
        Assert.Equal(y.Select(v => (float)(-1.7 * v)).ToArray(), f);
        Assert.Throws<ArgumentException>(() => VectorKernels.AddScaled(1, new float[3], new double[4]));
    }
}
