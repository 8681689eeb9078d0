using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using LoraLego.Merging;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Bench.SvdVsDense;

/// <summary>
/// Times the rank-k SVD merge of S sources of rank r on one d × d module two ways:
///   factors: SvdMethod (Householder QR of the stacked factors + SVD of the R × R core), never forming ΔW;
///   dense:   form ΔW = Σ s_i B_i A_i with MathNet, then MathNet's dense SVD (--dense full) or, when that is
///            too slow, the symmetric eigendecomposition of ΔW ΔWᵀ (--dense eigen), which gives the same
///            top-k triplets (σ = √λ, v = ΔWᵀu/σ) at a fraction of the cost.
/// Prints median times, the ratio, and the largest differences of the singular values and of the rank-k delta.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var o = ParseArgs(args);
        int d = o.Get("size", 4096), sources = o.Get("sources", 8), r = o.Get("rank", 16), k = o.Get("k", 16);
        int factorReps = o.Get("factor-reps", 7), denseReps = o.Get("dense-reps", 1);
        string dense = o.GetString("dense", "eigen");
        Console.WriteLine($"module {d}x{d}, {sources} sources of rank {r} (R = {sources * r}), k = {k}, dense = {dense}, cores = {Environment.ProcessorCount}");

        var input = MakeInput(d, sources, r, seed: 1234);
        if (o.Get("profile", 0) == 1) Profile(input, factorReps);
        var method = new SvdMethod();
        var options = new MergeOptions { Rank = k };

        method.Merge(input, options, CancellationToken.None); // JIT warm-up
        UnitBlock merged = null!;
        var factorTimes = new List<double>();
        var factorCpu = new List<double>();
        for (int i = 0; i < factorReps; i++)
        {
            var cpu = CpuSeconds();
            var sw = Stopwatch.StartNew();
            merged = method.Merge(input, options, CancellationToken.None);
            factorTimes.Add(sw.Elapsed.TotalSeconds);
            factorCpu.Add(CpuSeconds() - cpu);
        }

        double factorMedian = Median(factorTimes);
        Console.WriteLine($"factors: median {factorMedian * 1000:F1} ms wall, {Median(factorCpu) * 1000:F1} ms CPU over {factorReps} runs ({string.Join(", ", factorTimes.Select(t => (t * 1000).ToString("F1", CultureInfo.InvariantCulture)))})");

        var denseTimes = new List<double>();
        var denseCpu = new List<double>();
        double[] denseSigma = Array.Empty<double>();
        Matrix<double> denseTruncated = null!;
        for (int i = 0; i < denseReps; i++)
        {
            var cpu = CpuSeconds();
            var sw = Stopwatch.StartNew();
            (denseSigma, denseTruncated) = dense == "full" ? DenseFullSvd(input, k) : DenseEigen(input, k);
            denseTimes.Add(sw.Elapsed.TotalSeconds);
            denseCpu.Add(CpuSeconds() - cpu);
            Console.WriteLine($"dense run {i + 1}: {sw.Elapsed.TotalSeconds:F2} s wall, {denseCpu[i]:F2} s CPU");
        }

        if (denseReps == 0) return 0;
        double denseMedian = Median(denseTimes);
        Console.WriteLine($"dense ({dense}): median {denseMedian:F2} s over {denseReps} run(s)");
        Console.WriteLine($"ratio dense / factors: {denseMedian / factorMedian:F0}x wall, {Median(denseCpu) / Median(factorCpu):F0}x CPU");
        Console.WriteLine($"load average at the end: {LoadAverage()}");

        // Accuracy: singular values of the factor result (its units are √σ u, √σ v) and the rank-k deltas.
        var ours = Dense(merged);
        var oursSigma = merged.Count == 0 ? Array.Empty<double>() : Enumerable.Range(0, merged.Count)
            .Select(j => Norm(merged.UnitA(j)) * Norm(merged.UnitB(j))).OrderByDescending(x => x).ToArray();
        double maxSigmaDiff = 0;
        for (int j = 0; j < k; j++) maxSigmaDiff = Math.Max(maxSigmaDiff, Math.Abs(oursSigma[j] - denseSigma[j]) / denseSigma[0]);
        double maxDelta = denseTruncated.Enumerate().Max(Math.Abs);
        double maxDeltaDiff = (ours - denseTruncated).Enumerate().Max(Math.Abs);
        Console.WriteLine($"sigma_1 = {denseSigma[0]:G6}, sigma_k = {denseSigma[k - 1]:G6}, sigma_k+1 = {denseSigma[k]:G6}");
        Console.WriteLine($"max |sigma_j(factors) - sigma_j(dense)| / sigma_1 over j <= k: {maxSigmaDiff:E2}");
        Console.WriteLine($"max |dW_k(factors) - dW_k(dense)| / max |dW_k|: {maxDeltaDiff / maxDelta:E2}");
        return 0;
    }

    /// <summary>Where the factor path's time goes: one Householder QR of a d × R factor, and the R × R core SVD.</summary>
    private static void Profile(ModuleMergeInput input, int reps)
    {
        var pool = UnitBlockOps.Concatenate(input.Sources);
        int n = pool.Count;
        var qr = new List<double>();
        var core = new List<double>();
        var rng = new Random(5);
        var m = Matrix<double>.Build.Dense(n, n, (_, _) => Gaussian(rng));
        for (int i = 0; i <= reps; i++)
        {
            var sw = Stopwatch.StartNew();
            LoraLego.Linalg.HouseholderQr.FromFloatColumns(pool.A, input.InFeatures, n);
            if (i > 0) qr.Add(sw.Elapsed.TotalSeconds);
            sw.Restart();
            m.Svd(computeVectors: true);
            if (i > 0) core.Add(sw.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"profile: one QR of {input.InFeatures}x{n}: median {Median(qr) * 1000:F1} ms; core SVD {n}x{n} (MathNet): median {Median(core) * 1000:F1} ms");
    }

    private static ModuleMergeInput MakeInput(int d, int sources, int r, int seed)
    {
        var rng = new Random(seed);
        var blocks = new UnitBlock[sources];
        for (int s = 0; s < sources; s++)
        {
            // Kaiming-like A, small B, scale α/r with α = 2r (typical trained-LoRA magnitudes don't matter for timing).
            var a = new float[r * d];
            var bt = new float[r * d];
            for (int i = 0; i < a.Length; i++) a[i] = (float)(Gaussian(rng) / Math.Sqrt(d));
            for (int i = 0; i < bt.Length; i++) bt[i] = (float)(Gaussian(rng) * 0.01);
            blocks[s] = new UnitBlock(d, d, a, bt, Enumerable.Repeat(2.0 * (s + 1) / sources, r).ToArray());
        }

        return new ModuleMergeInput("bench", d, d, blocks);
    }

    /// <summary>ΔW = Σ s_i B_i A_i as a dense matrix, the way PEFT / sd-scripts start.</summary>
    private static Matrix<double> FormDelta(ModuleMergeInput input)
    {
        var pool = UnitBlockOps.Concatenate(input.Sources);
        int n = pool.Count;
        var b = Matrix<double>.Build.Dense(input.OutFeatures, n, (i, u) => pool.BT[(u * input.OutFeatures) + i] * pool.Scale[u]);
        var a = Matrix<double>.Build.Dense(n, input.InFeatures, (u, j) => pool.A[(u * input.InFeatures) + j]);
        return b * a;
    }

    private static (double[] Sigma, Matrix<double> Truncated) DenseFullSvd(ModuleMergeInput input, int k)
    {
        var w = FormDelta(input);
        var svd = w.Svd(computeVectors: true);
        var s = Matrix<double>.Build.DiagonalOfDiagonalArray(svd.S.Take(k).ToArray());
        return (svd.S.ToArray(), svd.U.SubMatrix(0, w.RowCount, 0, k) * s * svd.VT.SubMatrix(0, k, 0, w.ColumnCount));
    }

    private static (double[] Sigma, Matrix<double> Truncated) DenseEigen(ModuleMergeInput input, int k)
    {
        var w = FormDelta(input);
        var evd = w.TransposeAndMultiply(w).Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        // Eigenvalues come ascending; the top k are the last k columns.
        int m = w.RowCount;
        var lambda = evd.EigenValues.Select(c => c.Real).ToArray();
        var order = Enumerable.Range(0, m).OrderByDescending(i => lambda[i]).ToArray();
        var sigma = order.Select(i => Math.Sqrt(Math.Max(lambda[i], 0))).ToArray();
        var uk = Matrix<double>.Build.Dense(m, k, (i, j) => evd.EigenVectors[i, order[j]]);
        // ΔW_k = U_k U_kᵀ ΔW: projection onto the top-k left singular space.
        return (sigma, uk * uk.TransposeThisAndMultiply(w));
    }

    private static Matrix<double> Dense(UnitBlock block)
    {
        var b = Matrix<double>.Build.Dense(block.OutFeatures, block.Count, (i, u) => block.BT[(u * block.OutFeatures) + i] * block.Scale[u]);
        var a = Matrix<double>.Build.Dense(block.Count, block.InFeatures, (u, j) => block.A[(u * block.InFeatures) + j]);
        return b * a;
    }

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    // Other processes on a shared machine slow the dense run most; say how busy it was.
    private static string LoadAverage()
    {
        try
        {
            return System.IO.File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (Exception e) when (e is System.IO.IOException || e is UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static double Norm(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (float v in x) s += (double)v * v;
        return Math.Sqrt(s);
    }

    private static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    private sealed class Args
    {
        public Dictionary<string, string> Values { get; } = new(StringComparer.OrdinalIgnoreCase);

        public int Get(string name, int fallback) => Values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        public string GetString(string name, string fallback) => Values.TryGetValue(name, out var v) ? v : fallback;
    }

    private static Args ParseArgs(string[] args)
    {
        var a = new Args();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Expected --name value, got '{args[i]}'.");
            a.Values[args[i].Substring(2)] = args[i + 1];
        }

        return a;
    }
}
