using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace LoraLego.Merging.Dense;

/// <summary>SIMD inner loops over float spans (System.Numerics.Vector, so netstandard2.0 keeps them).</summary>
internal static class VectorKernels
{
    /// <summary>y += a·x.</summary>
    public static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        int n = y.Length;
        int w = Vector<float>.Count;
        int vec = n - (n % w);
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x.Slice(0, vec));
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y.Slice(0, vec));
        var av = new Vector<float>(a);
        for (int i = 0; i < yv.Length; i++) yv[i] += av * xv[i];
        for (int i = vec; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>y += a0·x0 + a1·x1 + a2·x2 + a3·x3 (one load/store of y for four rows).</summary>
    public static void Axpy4(float a0, float a1, float a2, float a3, ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> x3, Span<float> y)
    {
        int n = y.Length;
        int w = Vector<float>.Count;
        int vec = n - (n % w);
        var v0 = MemoryMarshal.Cast<float, Vector<float>>(x0.Slice(0, vec));
        var v1 = MemoryMarshal.Cast<float, Vector<float>>(x1.Slice(0, vec));
        var v2 = MemoryMarshal.Cast<float, Vector<float>>(x2.Slice(0, vec));
        var v3 = MemoryMarshal.Cast<float, Vector<float>>(x3.Slice(0, vec));
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y.Slice(0, vec));
        Vector<float> b0 = new(a0), b1 = new(a1), b2 = new(a2), b3 = new(a3);
        for (int i = 0; i < yv.Length; i++) yv[i] += (b0 * v0[i]) + (b1 * v1[i]) + (b2 * v2[i]) + (b3 * v3[i]);
        for (int i = vec; i < n; i++) y[i] += (a0 * x0[i]) + (a1 * x1[i]) + (a2 * x2[i]) + (a3 * x3[i]);
    }

    /// <summary>Four dot products against one shared vector x: d_k = ⟨r_k, x⟩, lanes summed in double.</summary>
    public static void Dot4(ReadOnlySpan<float> x, ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, ReadOnlySpan<float> r2, ReadOnlySpan<float> r3, out double d0, out double d1, out double d2, out double d3)
    {
        int n = x.Length;
        int w = Vector<float>.Count;
        int vec = n - (n % w);
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x.Slice(0, vec));
        var v0 = MemoryMarshal.Cast<float, Vector<float>>(r0.Slice(0, vec));
        var v1 = MemoryMarshal.Cast<float, Vector<float>>(r1.Slice(0, vec));
        var v2 = MemoryMarshal.Cast<float, Vector<float>>(r2.Slice(0, vec));
        var v3 = MemoryMarshal.Cast<float, Vector<float>>(r3.Slice(0, vec));
        Vector<float> s0 = Vector<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (int i = 0; i < xv.Length; i++)
        {
            var xi = xv[i];
            s0 += v0[i] * xi;
            s1 += v1[i] * xi;
            s2 += v2[i] * xi;
            s3 += v3[i] * xi;
        }

        d0 = LaneSum(s0);
        d1 = LaneSum(s1);
        d2 = LaneSum(s2);
        d3 = LaneSum(s3);
        for (int i = vec; i < n; i++)
        {
            d0 += (double)r0[i] * x[i];
            d1 += (double)r1[i] * x[i];
            d2 += (double)r2[i] * x[i];
            d3 += (double)r3[i] * x[i];
        }
    }

    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int n = x.Length;
        int w = Vector<float>.Count;
        int vec = n - (n % w);
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x.Slice(0, vec));
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y.Slice(0, vec));
        Vector<float> s = Vector<float>.Zero;
        for (int i = 0; i < xv.Length; i++) s += xv[i] * yv[i];
        double d = LaneSum(s);
        for (int i = vec; i < n; i++) d += (double)x[i] * y[i];
        return d;
    }

    public static double Dot(double[] x, double[] y)
    {
        int n = x.Length;
        int w = Vector<double>.Count;
        int vec = n - (n % w);
        var xv = MemoryMarshal.Cast<double, Vector<double>>(new ReadOnlySpan<double>(x, 0, vec));
        var yv = MemoryMarshal.Cast<double, Vector<double>>(new ReadOnlySpan<double>(y, 0, vec));
        Vector<double> acc = Vector<double>.Zero;
        for (int i = 0; i < xv.Length; i++) acc += xv[i] * yv[i];
        double s = Vector.Dot(acc, Vector<double>.One);
        for (int i = vec; i < n; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>y += a·x in double.</summary>
    public static void Axpy(double a, double[] x, double[] y)
    {
        int n = y.Length;
        int w = Vector<double>.Count;
        int vec = n - (n % w);
        var xv = MemoryMarshal.Cast<double, Vector<double>>(new ReadOnlySpan<double>(x, 0, vec));
        var yv = MemoryMarshal.Cast<double, Vector<double>>(new Span<double>(y, 0, vec));
        var av = new Vector<double>(a);
        for (int i = 0; i < yv.Length; i++) yv[i] += av * xv[i];
        for (int i = vec; i < n; i++) y[i] += a * x[i];
    }

    private static double LaneSum(Vector<float> v)
    {
        double s = 0;
        for (int i = 0; i < Vector<float>.Count; i++) s += v[i];
        return s;
    }
}
