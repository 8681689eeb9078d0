using System;
using System.Linq;
using LoraLego.Linalg;
using LoraLego.Tests.Merging;
using Xunit;

namespace LoraLego.Tests.Linalg;

public class Float32GramTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 1)]
    [InlineData(4, 512)]
    [InlineData(7, 513)]
    [InlineData(40, 1030)]
    [InlineData(130, 4099)]
    public void MatchesFloat64ProductsToFloatPrecision(int count, int length)
    {
        var (arrays, offsets, dense) = ScatteredRows(count, length, (count * 31) + length);
        var g = Float32Gram.Compute(arrays, offsets, length);
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < count; j++)
            {
                double expected = 0, magnitude = 0;
                for (int x = 0; x < length; x++)
                {
                    double p = (double)dense[(i * length) + x] * dense[(j * length) + x];
                    expected += p;
                    magnitude += Math.Abs(p);
                }

                // Float32 sums over 512 columns, then float64: the error is a few ulps of Σ|products|.
                Assert.True(Math.Abs(g[(i * count) + j] - expected) <= 1e-6 * magnitude, $"G[{i},{j}] = {g[(i * count) + j]}, expected {expected}");
                Assert.Equal(g[(i * count) + j], g[(j * count) + i]);
            }
        }
    }

    [Fact]
    public void RowsFromManyArraysGiveTheSameAsOneArray()
    {
        var (arrays, offsets, dense) = ScatteredRows(20, 700, 8);
        var scattered = Float32Gram.Compute(arrays, offsets, 700);
        var contiguous = Float32Gram.Compute(Enumerable.Repeat(dense, 20).ToArray(), Enumerable.Range(0, 20).Select(i => i * 700).ToArray(), 700);
        Assert.Equal(contiguous, scattered);
    }

    [Fact]
    public void EmptyInputsGiveEmptyOrZeroGrams()
    {
        Assert.Empty(Float32Gram.Compute(Array.Empty<float[]>(), Array.Empty<int>(), 10));
        Assert.Equal(new double[4], Float32Gram.Compute(new[] { new float[3], new float[3] }, new[] { 0, 0 }, 0));
    }

    [Fact]
    public void RowsOutsideTheirArrayAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => Float32Gram.Compute(new[] { new float[10], new float[10] }, new[] { 0, 5 }, 6));
        Assert.Contains("Row 1", e.Message);
        Assert.Throws<ArgumentException>(() => Float32Gram.Compute(new[] { new float[10] }, new[] { 0, 0 }, 6));
    }

    /// <summary>Rows spread over blocks of 16 (as a pool of sources is), and the same rows in one array.</summary>
    private static (float[][] Arrays, int[] Offsets, float[] Dense) ScatteredRows(int count, int length, int seed)
    {
        var rng = new Random(seed);
        var dense = new float[count * length];
        for (int i = 0; i < dense.Length; i++) dense[i] = (float)UnitTestData.Gaussian(rng);
        var arrays = new float[count][];
        var offsets = new int[count];
        for (int block = 0; block * 16 < count; block++)
        {
            int rows = Math.Min(16, count - (block * 16));
            var copy = new float[(rows * length) + 3]; // a little slack, so rows do not end at the array's end
            Array.Copy(dense, block * 16 * length, copy, 0, rows * length);
            for (int r = 0; r < rows; r++)
            {
                arrays[(block * 16) + r] = copy;
                offsets[(block * 16) + r] = r * length;
            }
        }

        return (arrays, offsets, dense);
    }
}
