using System;
using LoraLego.Linalg;
using LoraLego.Tests.Merging;
using Xunit;

namespace LoraLego.Tests.Linalg;

public class GramMatrixTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(9, 31)]
    [InlineData(40, 1030)]
    public void MatchesNaiveDoubleLoop(int count, int length)
    {
        var rows = RandomRows(count, length, count * 31 + length);
        var g = GramMatrix.Compute(rows, count, length);
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < count; j++)
            {
                double expected = 0;
                for (int x = 0; x < length; x++) expected += (double)rows[(i * length) + x] * rows[(j * length) + x];
                Assert.Equal(expected, g[(i * count) + j], 1e-9 * length);
            }
        }
    }

    [Fact]
    public void ParallelAndSequentialAreBitIdentical()
    {
        var rows = RandomRows(64, 4096, 3);
        var parallel = GramMatrix.Compute(rows, 64, 4096, parallel: true);
        var sequential = GramMatrix.Compute(rows, 64, 4096, parallel: false);
        Assert.Equal(sequential, parallel);
    }

    private static float[] RandomRows(int count, int length, int seed)
    {
        var rng = new Random(seed);
        var rows = new float[count * length];
        for (int i = 0; i < rows.Length; i++) rows[i] = (float)UnitTestData.Gaussian(rng);
        return rows;
    }
}
