using System;
using System.Threading.Tasks;

namespace LoraLego.Linalg;

/// <summary>
/// Gram matrices of row sets: G[i, j] = ⟨row i, row j⟩ in float64. Each entry is one
/// <see cref="VectorKernels.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>, computed by exactly one
/// thread, so the result does not depend on how many threads ran.
/// </summary>
public static class GramMatrix
{
    /// <summary>Gram matrix of <paramref name="count"/> rows of <paramref name="length"/> floats (row-major) → count × count, row-major.</summary>
    public static double[] Compute(float[] rows, int count, int length, bool parallel = true)
    {
        if (rows is null) throw new ArgumentNullException(nameof(rows));
        if (count < 0 || length < 0 || rows.Length < (long)count * length)
            throw new ArgumentException($"rows holds {rows.Length} values, expected at least {count}×{length}.", nameof(rows));
        var g = new double[(long)count * count];

        void Row(int i)
        {
            var ri = new ReadOnlySpan<float>(rows, i * length, length);
            for (int j = 0; j <= i; j++)
            {
                double d = VectorKernels.Dot(ri, new ReadOnlySpan<float>(rows, j * length, length));
                g[(i * count) + j] = d;
                g[(j * count) + i] = d;
            }
        }

        // Threads only pay off once a row's work (i dots of `length`) outweighs scheduling.
        if (parallel && (long)count * count * length >= 1L << 20)
        {
            Parallel.For(0, count, Row);
        }
        else
        {
            for (int i = 0; i < count; i++) Row(i);
        }

        return g;
    }
}
