using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using LoraLego.Linalg;

namespace LoraLego.Merging.Dense;

/// <summary>
/// The two products a randomised SVD needs against a dense row-major float matrix M (rows × cols),
/// with the thin factor held as a few long vectors. Work is split so that each output value is
/// computed by one thread in a fixed order: results do not depend on the thread count.
/// </summary>
internal static class DenseProducts
{
    private const int RowChunk = 64;
    private const int ColumnChunk = 512;
    private const int FlushEvery = 256;

    /// <summary>y_j = M x_j for every x_j (length cols); y_j has length rows.</summary>
    public static double[][] TimesVectors(float[] m, int rows, int cols, float[][] x)
    {
        int l = x.Length;
        var y = new double[l][];
        for (int j = 0; j < l; j++) y[j] = new double[rows];
        int chunks = (rows + RowChunk - 1) / RowChunk;
        Parallel.For(0, chunks, [MethodImpl(ParallelChunks.Hot)] (c) =>
        {
            int r0 = c * RowChunk;
            int r1 = Math.Min(rows, r0 + RowChunk);
            int r = r0;
            for (; r + 4 <= r1; r += 4)
            {
                var m0 = new ReadOnlySpan<float>(m, r * cols, cols);
                var m1 = new ReadOnlySpan<float>(m, (r + 1) * cols, cols);
                var m2 = new ReadOnlySpan<float>(m, (r + 2) * cols, cols);
                var m3 = new ReadOnlySpan<float>(m, (r + 3) * cols, cols);
                for (int j = 0; j < l; j++)
                {
                    VectorKernels.Dot4(x[j], m0, m1, m2, m3, out double d0, out double d1, out double d2, out double d3);
                    y[j][r] = d0;
                    y[j][r + 1] = d1;
                    y[j][r + 2] = d2;
                    y[j][r + 3] = d3;
                }
            }

            for (; r < r1; r++)
            {
                var mr = new ReadOnlySpan<float>(m, r * cols, cols);
                for (int j = 0; j < l; j++) y[j][r] = VectorKernels.Dot(mr, x[j]);
            }
        });
        return y;
    }

    /// <summary>z_j = Mᵀ c_j for every c_j (length rows); z_j has length cols.</summary>
    public static double[][] TransposeTimesVectors(float[] m, int rows, int cols, double[][] c)
    {
        int l = c.Length;
        var z = new double[l][];
        for (int j = 0; j < l; j++) z[j] = new double[cols];
        var cf = new float[l][];
        for (int j = 0; j < l; j++)
        {
            cf[j] = new float[rows];
            for (int r = 0; r < rows; r++) cf[j][r] = (float)c[j][r];
        }

        int chunks = (cols + ColumnChunk - 1) / ColumnChunk;
        Parallel.For(0, chunks, [MethodImpl(ParallelChunks.Hot)] (ch) =>
        {
            int c0 = ch * ColumnChunk;
            int width = Math.Min(cols, c0 + ColumnChunk) - c0;

            // Float partial sums, flushed into double every FlushEvery rows: SIMD speed with
            // double-accumulation accuracy over the long row dimension.
            var acc = new float[l][];
            for (int j = 0; j < l; j++) acc[j] = new float[width];
            int sinceFlush = 0;
            int r = 0;
            for (; r < rows; r += 4)
            {
                if (r + 4 <= rows)
                {
                    var m0 = new ReadOnlySpan<float>(m, (r * cols) + c0, width);
                    var m1 = new ReadOnlySpan<float>(m, ((r + 1) * cols) + c0, width);
                    var m2 = new ReadOnlySpan<float>(m, ((r + 2) * cols) + c0, width);
                    var m3 = new ReadOnlySpan<float>(m, ((r + 3) * cols) + c0, width);
                    for (int j = 0; j < l; j++)
                    {
                        float[] cj = cf[j];
                        VectorKernels.Axpy4(cj[r], cj[r + 1], cj[r + 2], cj[r + 3], m0, m1, m2, m3, acc[j]);
                    }
                }
                else
                {
                    for (int rr = r; rr < rows; rr++)
                    {
                        var mr = new ReadOnlySpan<float>(m, (rr * cols) + c0, width);
                        for (int j = 0; j < l; j++) VectorKernels.Axpy(cf[j][rr], mr, acc[j]);
                    }
                }

                sinceFlush += 4;
                if (sinceFlush >= FlushEvery || r + 4 >= rows)
                {
                    for (int j = 0; j < l; j++)
                    {
                        double[] zj = z[j];
                        float[] aj = acc[j];
                        for (int k = 0; k < width; k++)
                        {
                            zj[c0 + k] += aj[k];
                            aj[k] = 0f;
                        }
                    }

                    sinceFlush = 0;
                }
            }
        });
        return z;
    }

    public static float[][] ToFloat(double[][] v)
    {
        var f = new float[v.Length][];
        for (int j = 0; j < v.Length; j++)
        {
            f[j] = new float[v[j].Length];
            for (int k = 0; k < v[j].Length; k++) f[j][k] = (float)v[j][k];
        }

        return f;
    }
}
