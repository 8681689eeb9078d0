using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace LoraLego.Bench.Quality.Numerics;

/// <summary>
/// The few dense products the benchmark's networks need, row-major float32 with SIMD inner loops.
/// Single-threaded on purpose: results must not depend on the thread count.
/// </summary>
internal static class Kernels
{
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var acc = Vector<float>.Zero;
        for (int i = 0; i < vx.Length; i++) acc += vx[i] * vy[i];
        float s = Vector.Dot(acc, Vector<float>.One);
        for (int i = vx.Length * Vector<float>.Count; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>y += alpha · x.</summary>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var va = new Vector<float>(alpha);
        for (int i = 0; i < vx.Length; i++) vy[i] += va * vx[i];
        for (int i = vx.Length * Vector<float>.Count; i < x.Length; i++) y[i] += alpha * x[i];
    }

    /// <summary>Y (n×m) = X (n×k) · Wᵀ, W being m×k.</summary>
    public static void MatMulTransB(float[] x, float[] w, float[] y, int n, int k, int m)
    {
        for (int i = 0; i < n; i++)
        {
            var xi = new ReadOnlySpan<float>(x, i * k, k);
            for (int j = 0; j < m; j++) y[i * m + j] = Dot(xi, new ReadOnlySpan<float>(w, j * k, k));
        }
    }

    /// <summary>Y (n×m) += P (n×k) · V, V being k×m.</summary>
    public static void MatMulAdd(float[] p, float[] v, float[] y, int n, int k, int m)
    {
        for (int i = 0; i < n; i++)
        {
            var yi = new Span<float>(y, i * m, m);
            for (int t = 0; t < k; t++)
            {
                float c = p[i * k + t];
                if (c != 0f) Axpy(c, new ReadOnlySpan<float>(v, t * m, m), yi);
            }
        }
    }

    /// <summary>G (k×m) += alpha · Pᵀ (k×n) · X (n×m): the gradient of a weight from a batch.</summary>
    public static void TransAMatMulAdd(float alpha, float[] p, float[] x, float[] g, int n, int k, int m)
    {
        for (int i = 0; i < n; i++)
        {
            var xi = new ReadOnlySpan<float>(x, i * m, m);
            for (int t = 0; t < k; t++)
            {
                float c = p[i * k + t];
                if (c != 0f) Axpy(alpha * c, xi, new Span<float>(g, t * m, m));
            }
        }
    }
}
