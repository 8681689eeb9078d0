using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace LoraLego.Linalg;

/// <summary>
/// Gram matrices of row sets: G[i, j] = ⟨row i, row j⟩, products and sums in float64.
/// </summary>
/// <remarks>
/// A pool's rows are long (up to d_in + d_out ≈ 15k floats) and many (n ≈ 128), so one dot per
/// entry streams every row pair from memory: n² row reads. Here rows go in pairs against pairs
/// (a 2×2 tile: each widened vector serves two products) and the columns in chunks that keep the
/// chunk of every row in cache while a row pair sweeps over them. Each row pair is computed by one
/// thread with a fixed summation order, so the result does not depend on how many threads ran.
/// </remarks>
public static class GramMatrix
{
    // 1024 floats = 4 KB per row: a pool of 128 rows keeps its current chunk (512 KB) in L2.
    private const int Chunk = 1024;

    /// <summary>Gram matrix of <paramref name="count"/> rows of <paramref name="length"/> floats (row-major) → count × count, row-major.</summary>
    public static double[] Compute(float[] rows, int count, int length, bool parallel = true)
    {
        if (rows is null) throw new ArgumentNullException(nameof(rows));
        if (count < 0 || length < 0 || rows.Length < (long)count * length)
            throw new ArgumentException($"rows holds {rows.Length} values, expected at least {count}×{length}.", nameof(rows));
        var g = new double[(long)count * count];
        int pairs = (count + 1) / 2;

        void RowPair(int p)
        {
            int i0 = 2 * p, i1 = Math.Min(i0 + 1, count - 1);
            var acc0 = new double[i1 + 1];
            var acc1 = new double[i1 + 1];
            for (int c0 = 0; c0 < length; c0 += Chunk)
            {
                int len = Math.Min(Chunk, length - c0);
                var x0 = new ReadOnlySpan<float>(rows, (i0 * length) + c0, len);
                var x1 = new ReadOnlySpan<float>(rows, (i1 * length) + c0, len);
                int j = 0;
                for (; j + 1 <= i1; j += 2)
                {
                    var y0 = new ReadOnlySpan<float>(rows, (j * length) + c0, len);
                    var y1 = new ReadOnlySpan<float>(rows, ((j + 1) * length) + c0, len);
                    Tile(x0, x1, y0, y1, out double d00, out double d01, out double d10, out double d11);
                    acc0[j] += d00;
                    acc0[j + 1] += d01;
                    acc1[j] += d10;
                    acc1[j + 1] += d11;
                }

                if (j <= i1)
                {
                    var y = new ReadOnlySpan<float>(rows, (j * length) + c0, len);
                    acc0[j] += VectorKernels.Dot(x0, y);
                    acc1[j] += VectorKernels.Dot(x1, y);
                }
            }

            for (int j = 0; j <= i1; j++)
            {
                g[((long)i0 * count) + j] = acc0[j];
                g[((long)j * count) + i0] = acc0[j];
                g[((long)i1 * count) + j] = acc1[j];
                g[((long)j * count) + i1] = acc1[j];
            }
        }

        // Threads only pay off once a pair's work outweighs scheduling.
        if (parallel && (long)count * count * length >= 1L << 20)
        {
            Parallel.For(0, pairs, RowPair);
        }
        else
        {
            for (int p = 0; p < pairs; p++) RowPair(p);
        }

        return g;
    }

    /// <summary>The four products of (x0, x1) with (y0, y1), widened to float64 lane by lane.</summary>
    [MethodImpl(JitHints.Hot)]
    private static void Tile(ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> y0, ReadOnlySpan<float> y1,
        out double d00, out double d01, out double d10, out double d11)
    {
        var vx0 = MemoryMarshal.Cast<float, Vector<float>>(x0);
        var vx1 = MemoryMarshal.Cast<float, Vector<float>>(x1);
        var vy0 = MemoryMarshal.Cast<float, Vector<float>>(y0);
        var vy1 = MemoryMarshal.Cast<float, Vector<float>>(y1);
        Vector<double> a00 = Vector<double>.Zero, a01 = Vector<double>.Zero, a10 = Vector<double>.Zero, a11 = Vector<double>.Zero;
        for (int v = 0; v < vx0.Length; v++)
        {
            Vector.Widen(vx0[v], out var x0l, out var x0h);
            Vector.Widen(vx1[v], out var x1l, out var x1h);
            Vector.Widen(vy0[v], out var y0l, out var y0h);
            Vector.Widen(vy1[v], out var y1l, out var y1h);
            a00 += (x0l * y0l) + (x0h * y0h);
            a01 += (x0l * y1l) + (x0h * y1h);
            a10 += (x1l * y0l) + (x1h * y0h);
            a11 += (x1l * y1l) + (x1h * y1h);
        }

        d00 = Vector.Dot(a00, Vector<double>.One);
        d01 = Vector.Dot(a01, Vector<double>.One);
        d10 = Vector.Dot(a10, Vector<double>.One);
        d11 = Vector.Dot(a11, Vector<double>.One);
        for (int i = vx0.Length * Vector<float>.Count; i < x0.Length; i++)
        {
            d00 += (double)x0[i] * y0[i];
            d01 += (double)x0[i] * y1[i];
            d10 += (double)x1[i] * y0[i];
            d11 += (double)x1[i] * y1[i];
        }
    }
}
