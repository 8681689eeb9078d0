using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LoraLego.Linalg;

/// <summary>
/// SIMD kernels on spans. Float inputs are widened to double before multiplying, so dot products
/// of 4096-long float vectors keep double accuracy. Every kernel sums in one fixed order (vector
/// lanes, then the tail), so a given machine returns bit-identical results on every call.
/// </summary>
public static class VectorKernels
{
    /// <summary>Σ x[i]·y[i] with float64 products and accumulation.</summary>
    [MethodImpl(JitHints.Hot)]
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Lengths differ: {x.Length} and {y.Length}.", nameof(y));
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var acc0 = Vector<double>.Zero;
        var acc1 = Vector<double>.Zero;
        for (int v = 0; v < vx.Length; v++)
        {
            Vector.Widen(vx[v], out var xl, out var xh);
            Vector.Widen(vy[v], out var yl, out var yh);
            acc0 += xl * yl;
            acc1 += xh * yh;
        }

        double sum = HorizontalSum(acc0 + acc1);
        for (int i = vx.Length * Vector<float>.Count; i < x.Length; i++) sum += (double)x[i] * y[i];
        return sum;
    }

    /// <summary>Σ x[i]² in float64.</summary>
    public static double SumOfSquares(ReadOnlySpan<float> x) => Dot(x, x);

    /// <summary>Σ x[i]·y[i] in float64.</summary>
    [MethodImpl(JitHints.Hot)]
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Lengths differ: {x.Length} and {y.Length}.", nameof(y));
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var acc0 = Vector<double>.Zero;
        var acc1 = Vector<double>.Zero;
        int v = 0;
        for (; v + 1 < vx.Length; v += 2)
        {
            acc0 += vx[v] * vy[v];
            acc1 += vx[v + 1] * vy[v + 1];
        }

        if (v < vx.Length) acc0 += vx[v] * vy[v];
        double sum = HorizontalSum(acc0 + acc1);
        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>y += alpha · x.</summary>
    [MethodImpl(JitHints.Hot)]
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Lengths differ: {x.Length} and {y.Length}.", nameof(y));
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var va = new Vector<double>(alpha);
        for (int v = 0; v < vx.Length; v++) vy[v] += va * vx[v];
        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++) y[i] += alpha * x[i];
    }

    /// <summary>x *= alpha.</summary>
    [MethodImpl(JitHints.Hot)]
    public static void Scale(double alpha, Span<double> x)
    {
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var va = new Vector<double>(alpha);
        for (int v = 0; v < vx.Length; v++) vx[v] *= va;
        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++) x[i] *= alpha;
    }

    /// <summary>y += alpha · x, with x widened to float64 (no rounding of the float inputs).</summary>
    [MethodImpl(JitHints.Hot)]
    public static void AddScaled(double alpha, ReadOnlySpan<float> x, Span<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Lengths differ: {x.Length} and {y.Length}.", nameof(y));
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var va = new Vector<double>(alpha);
        for (int v = 0; v < vx.Length; v++)
        {
            Vector.Widen(vx[v], out var lo, out var hi);
            vy[2 * v] += va * lo;
            vy[(2 * v) + 1] += va * hi;
        }

        for (int i = vx.Length * Vector<float>.Count; i < x.Length; i++) y[i] += alpha * x[i];
    }

    /// <summary>y[i] = (float)(alpha · x[i]): products in float64, rounded once.</summary>
    [MethodImpl(JitHints.Hot)]
    public static void ScaleToFloat(double alpha, ReadOnlySpan<double> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Lengths differ: {x.Length} and {y.Length}.", nameof(y));
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var va = new Vector<double>(alpha);
        for (int v = 0; v < vy.Length; v++) vy[v] = Vector.Narrow(va * vx[2 * v], va * vx[(2 * v) + 1]);
        for (int i = vy.Length * Vector<float>.Count; i < x.Length; i++) y[i] = (float)(alpha * x[i]);
    }

    /// <summary>max |x[i]| (0 for an empty span); NaNs are passed over.</summary>
    [MethodImpl(JitHints.Hot)]
    public static float MaxAbs(ReadOnlySpan<float> x)
    {
        // "greater than" is false for NaN, so a NaN never replaces the running maximum (as in the scalar loop).
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vm = Vector<float>.Zero;
        for (int v = 0; v < vx.Length; v++)
        {
            var a = Vector.Abs(vx[v]);
            vm = Vector.ConditionalSelect(Vector.GreaterThan(a, vm), a, vm);
        }

        float m = 0f;
        for (int i = 0; i < Vector<float>.Count; i++)
        {
            if (vm[i] > m) m = vm[i];
        }

        for (int i = vx.Length * Vector<float>.Count; i < x.Length; i++)
        {
            float a = Math.Abs(x[i]);
            if (a > m) m = a;
        }

        return m;
    }

    /// <summary>Index of the first entry with the largest |x[i]| (-1 for an empty span).</summary>
    [MethodImpl(JitHints.Hot)]
    public static int ArgMaxAbs(ReadOnlySpan<float> x)
    {
        if (x.Length == 0) return -1;
        float m = MaxAbs(x);
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vm = new Vector<float>(m);
        int start = 0;
        for (int v = 0; v < vx.Length; v++)
        {
            if (Vector.EqualsAny(Vector.Abs(vx[v]), vm)) break;
            start += Vector<float>.Count;
        }

        for (int i = start; i < x.Length; i++)
        {
            if (Math.Abs(x[i]) == m) return i;
        }

        return ScalarArgMaxAbs(x);
    }

    // The reference definition, for a span of NaNs only (no entry equals the maximum 0).
    private static int ScalarArgMaxAbs(ReadOnlySpan<float> x)
    {
        int best = -1;
        float m = -1f;
        for (int i = 0; i < x.Length; i++)
        {
            float a = Math.Abs(x[i]);
            if (a > m)
            {
                m = a;
                best = i;
            }
        }

        return best;
    }

    /// <summary>y += a·x in float (the dense-matrix kernels' inner loop; float lanes for speed).</summary>
    [MethodImpl(JitHints.Hot)]
    public static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Lengths differ: {x.Length} and {y.Length}.", nameof(y));
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
        var av = new Vector<float>(a);
        for (int i = 0; i < yv.Length; i++) yv[i] += av * xv[i];
        for (int i = yv.Length * Vector<float>.Count; i < y.Length; i++) y[i] += a * x[i];
    }

    /// <summary>y += a0·x0 + a1·x1 + a2·x2 + a3·x3 in float (one load/store of y for four rows).</summary>
    [MethodImpl(JitHints.Hot)]
    public static void Axpy4(float a0, float a1, float a2, float a3, ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> x2, ReadOnlySpan<float> x3, Span<float> y)
    {
        int n = y.Length;
        int vec = n - (n % Vector<float>.Count);
        var v0 = MemoryMarshal.Cast<float, Vector<float>>(x0.Slice(0, vec));
        var v1 = MemoryMarshal.Cast<float, Vector<float>>(x1.Slice(0, vec));
        var v2 = MemoryMarshal.Cast<float, Vector<float>>(x2.Slice(0, vec));
        var v3 = MemoryMarshal.Cast<float, Vector<float>>(x3.Slice(0, vec));
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y.Slice(0, vec));
        Vector<float> b0 = new(a0), b1 = new(a1), b2 = new(a2), b3 = new(a3);
        for (int i = 0; i < yv.Length; i++) yv[i] += (b0 * v0[i]) + (b1 * v1[i]) + (b2 * v2[i]) + (b3 * v3[i]);
        for (int i = vec; i < n; i++) y[i] += (a0 * x0[i]) + (a1 * x1[i]) + (a2 * x2[i]) + (a3 * x3[i]);
    }

    /// <summary>
    /// Four dot products against one shared vector x, d_k = ⟨r_k, x⟩, for the dense matrix-times-vectors
    /// products: float lanes (twice the width of the widening <see cref="Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>),
    /// lanes summed in double.
    /// </summary>
    [MethodImpl(JitHints.Hot)]
    public static void Dot4(ReadOnlySpan<float> x, ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, ReadOnlySpan<float> r2, ReadOnlySpan<float> r3, out double d0, out double d1, out double d2, out double d3)
    {
        int n = x.Length;
        int vec = n - (n % Vector<float>.Count);
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

    private static double LaneSum(Vector<float> v)
    {
        double s = 0;
        for (int i = 0; i < Vector<float>.Count; i++) s += v[i];
        return s;
    }

    private static double HorizontalSum(Vector<double> v)
    {
        double s = 0;
        for (int i = 0; i < Vector<double>.Count; i++) s += v[i];
        return s;
    }
}
