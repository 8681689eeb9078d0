using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LoraLego.Linalg;

/// <summary>
/// Gram matrices for clustering: G[i, j] = ⟨row i, row j⟩ with float32 products summed in float32 over
/// a chunk of <see cref="Chunk"/> columns and in float64 across chunks (relative error ~1e-7, against
/// <see cref="GramMatrix"/>'s float64 products, which cost three times as much). K-means only compares
/// distances, so this precision is ample; merged vectors are never computed from it.
/// </summary>
/// <remarks>
/// Rows are (array, offset) pairs, so units spread over several source blocks need no concatenation.
/// Each chunk of every row is first packed into one contiguous panel: rows of a LoRA factor sit 4096·4
/// bytes apart, a stride that maps them all onto the same few cache sets, and packing removes that.
/// The panel is then swept by 3×3 tiles of rows (nine independent accumulators: six vector loads feed
/// nine multiply-adds). One thread per call: the callers already run modules in parallel, and splitting
/// one module's Gram over threads as well was slower on 2 cores (measured).
/// </remarks>
public static class Float32Gram
{
    // 512 floats = 2 KB per row: a pool of 128 rows packs into 256 KB, inside L2; three rows are in L1.
    private const int Chunk = 512;
    private const int Tile = 3;

    /// <summary>
    /// Gram matrix of the rows (<paramref name="arrays"/>[i] from <paramref name="offsets"/>[i], <paramref name="length"/>
    /// floats each) → count × count, row-major.
    /// </summary>
    [MethodImpl(JitHints.Hot)]
    public static double[] Compute(float[][] arrays, int[] offsets, int length)
    {
        if (arrays is null) throw new ArgumentNullException(nameof(arrays));
        var g = new double[(long)arrays.Length * arrays.Length];
        AddTo(g, arrays, offsets, length);
        return g;
    }

    /// <summary>
    /// Adds the Gram matrix into <paramref name="g"/> (count × count row-major at its start; it may be longer,
    /// e.g. a pooled array): for callers that combine several Grams without allocating each.
    /// </summary>
    [MethodImpl(JitHints.Hot)]
    public static void AddTo(double[] g, float[][] arrays, int[] offsets, int length)
    {
        if (g is null) throw new ArgumentNullException(nameof(g));
        if (arrays is null) throw new ArgumentNullException(nameof(arrays));
        if (offsets is null) throw new ArgumentNullException(nameof(offsets));
        if (arrays.Length != offsets.Length) throw new ArgumentException($"{arrays.Length} arrays but {offsets.Length} offsets.", nameof(offsets));
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length));
        int n = arrays.Length;
        if (g.Length < (long)n * n) throw new ArgumentException($"g holds {g.Length} values, fewer than {n}×{n}.", nameof(g));
        for (int i = 0; i < n; i++)
        {
            if (arrays[i] is null || offsets[i] < 0 || (long)offsets[i] + length > arrays[i].Length)
                throw new ArgumentException($"Row {i} does not hold {length} floats from offset {offsets[i]}.", nameof(arrays));
        }

        if (n == 0 || length == 0) return;
        int width = Vector<float>.Count;
        int stride = (Math.Min(Chunk, length) + width - 1) / width * width;

        // A reused panel: a fresh 256 KB array per module would be zeroed and page-faulted in each time.
        var panel = ThreadScratch<float>.Get(ScratchSlot.GramPanel, n * stride);
        int tiles = (n + Tile - 1) / Tile;
        for (int c0 = 0; c0 < length; c0 += Chunk)
        {
            int len = Math.Min(Chunk, length - c0);
            int padded = (len + width - 1) / width * width;
            Pack(arrays, offsets, c0, len, padded, panel);
            for (int t = 0; t < tiles; t++) SweepTile(panel, padded, n, t * Tile, g);
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++) g[((long)j * n) + i] = g[((long)i * n) + j];
        }
    }

    /// <summary>Copies columns [c0, c0+len) of every row into the panel, rows <paramref name="padded"/> apart, zero-padded.</summary>
    [MethodImpl(JitHints.Hot)]
    private static void Pack(float[][] arrays, int[] offsets, int c0, int len, int padded, float[] panel)
    {
        for (int i = 0; i < arrays.Length; i++)
        {
            var row = new Span<float>(panel, i * padded, padded);
            new ReadOnlySpan<float>(arrays[i], offsets[i] + c0, len).CopyTo(row);
            if (padded > len) row.Slice(len).Clear();
        }
    }

    /// <summary>Adds this chunk's products of rows i0..i0+2 with every row j ≤ i (the lower triangle) into g.</summary>
    [MethodImpl(JitHints.Hot)]
    private static void SweepTile(float[] panel, int padded, int n, int i0, double[] g)
    {
        int last = n - 1;
        int iEnd = Math.Min(i0 + Tile, n);
        Span<float> part = stackalloc float[Tile * Tile];
        for (int j0 = 0; j0 < iEnd; j0 += Tile)
        {
            // Past the last row the tile reuses it; those products are computed and dropped.
            Products(panel, padded,
                Math.Min(i0, last), Math.Min(i0 + 1, last), Math.Min(i0 + 2, last),
                Math.Min(j0, last), Math.Min(j0 + 1, last), Math.Min(j0 + 2, last), part);
            for (int a = 0; a < Tile && i0 + a < n; a++)
            {
                long row = (long)(i0 + a) * n;
                for (int b = 0; b < Tile && j0 + b <= i0 + a; b++) g[row + j0 + b] += part[(a * Tile) + b];
            }
        }
    }

    [MethodImpl(JitHints.Hot)]
    private static void Products(float[] p, int len, int i0, int i1, int i2, int j0, int j1, int j2, Span<float> part)
    {
        var x0 = Row(p, i0, len);
        var x1 = Row(p, i1, len);
        var x2 = Row(p, i2, len);
        var y0 = Row(p, j0, len);
        var y1 = Row(p, j1, len);
        var y2 = Row(p, j2, len);
        Vector<float> s00 = default, s01 = default, s02 = default, s10 = default, s11 = default, s12 = default, s20 = default, s21 = default, s22 = default;
        for (int v = 0; v < x0.Length; v++)
        {
            var p0 = x0[v];
            var p1 = x1[v];
            var p2 = x2[v];
            var q0 = y0[v];
            var q1 = y1[v];
            var q2 = y2[v];
            s00 += p0 * q0;
            s01 += p0 * q1;
            s02 += p0 * q2;
            s10 += p1 * q0;
            s11 += p1 * q1;
            s12 += p1 * q2;
            s20 += p2 * q0;
            s21 += p2 * q1;
            s22 += p2 * q2;
        }

        part[0] = Vector.Dot(s00, Vector<float>.One);
        part[1] = Vector.Dot(s01, Vector<float>.One);
        part[2] = Vector.Dot(s02, Vector<float>.One);
        part[3] = Vector.Dot(s10, Vector<float>.One);
        part[4] = Vector.Dot(s11, Vector<float>.One);
        part[5] = Vector.Dot(s12, Vector<float>.One);
        part[6] = Vector.Dot(s20, Vector<float>.One);
        part[7] = Vector.Dot(s21, Vector<float>.One);
        part[8] = Vector.Dot(s22, Vector<float>.One);
    }

    private static ReadOnlySpan<Vector<float>> Row(float[] panel, int i, int len) =>
        MemoryMarshal.Cast<float, Vector<float>>(new ReadOnlySpan<float>(panel, i * len, len));
}
