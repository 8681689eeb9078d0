using System;
using System.Collections.Generic;
using System.Threading;
using LoraLego.Diagnostics;
using LoraLego.Linalg;
using LoraLego.Merging.Dense;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// Core Space merging (Panariello et al., NeurIPS 2025, "Accurate and Efficient Low-Rank Model Merging
/// in Core Space"). Shared reference bases come from the SVDs of the stacked factors: U_B, the left
/// singular vectors of [B_1 … B_T] (each source's scales folded into its B), and V_A, the right singular
/// vectors of [A_1; …; A_T]. Every source is projected into the small core space,
/// M_i = U_Bᵀ B_i A_i V_A (R_B × R_A, R ≤ Σ r_i), which is lossless because every B_i lies in span(U_B)
/// and every A_i in span(V_A); the cores are merged by <see cref="MergeOptions.CoreSpaceMerge"/> (default
/// TSV-M, the paper's recommended pairing) and the result is mapped back, ΔW = U_B M V_Aᵀ, unit by unit.
/// A method that only uses singular vectors (TSV-M, Iso-C, Iso-CTS, Svd) gives exactly its full-space
/// result, at the cost of R-sized instead of d-sized linear algebra; an entry-wise one (TIES, DARE)
/// works on the core's entries, as in the paper. Nothing of size d_out × d_in is formed.
/// </summary>
public sealed class CoreSpaceMethod : IMergeMethod
{
    public const string MethodName = "CoreSpace";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        ModuleInputChecks.Validate(input);
        if (options is null) throw new ArgumentNullException(nameof(options));
        var inner = InnerMethod(input, options);
        int din = input.InFeatures, dout = input.OutFeatures;

        var b = new List<double[]>();
        var a = new List<double[]>();
        var scale = new List<double>();
        UnitFactors.Stack(input.Sources, b, a, scale);
        for (int k = 0; k < b.Count; k++) VectorKernels.Scale(scale[k], b[k]);
        double[][] basisB = LeftSingularVectors(b, dout);
        double[][] basisA = LeftSingularVectors(a, din);
        cancellationToken.ThrowIfCancellationRequested();
        if (basisB.Length == 0 || basisA.Length == 0) return new UnitBlock(din, dout, Array.Empty<float>(), Array.Empty<float>(), Array.Empty<double>());

        var cores = new List<UnitBlock>(input.Sources.Count);
        int unit = 0;
        foreach (var source in input.Sources)
        {
            int r = source.Count;
            var coreA = new float[r * basisA.Length];
            var coreBt = new float[r * basisB.Length];
            var ones = new double[r];
            for (int k = 0; k < r; k++, unit++)
            {
                ones[k] = 1;
                for (int q = 0; q < basisA.Length; q++) coreA[(k * basisA.Length) + q] = (float)VectorKernels.Dot(basisA[q], a[unit]);
                for (int q = 0; q < basisB.Length; q++) coreBt[(k * basisB.Length) + q] = (float)VectorKernels.Dot(basisB[q], b[unit]);
            }

            cores.Add(new UnitBlock(basisA.Length, basisB.Length, coreA, coreBt, ones));
        }

        var merged = inner.Merge(new ModuleMergeInput(input.Module, basisA.Length, basisB.Length, cores), options, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        return Lift(merged, basisA, basisB, din, dout);
    }

    private static IMergeMethod InnerMethod(ModuleMergeInput input, MergeOptions options)
    {
        string name = options.CoreSpaceMerge;
        if (name is not null && MergeMethodRegistry.TryGet(name, out var method) && method is not CoreSpaceMethod) return method;
        throw new LoraLegoException(
            "CoreSpaceMergeInvalid",
            LoraErrorCategory.InvalidArgument,
            input.Module,
            $"Module '{input.Module}': the core-space merge method must be a registered method other than {MethodName}, got '{name}'. Known methods: {string.Join(", ", MergeMethodRegistry.Names)}.");
    }

    /// <summary>
    /// Left singular vectors of the matrix whose columns are <paramref name="columns"/> (the factored SVD of Σ_k c_k e_kᵀ),
    /// each signed so its largest-|.| entry is positive: an entry-wise inner method (TIES with Frequency election breaks
    /// tied votes toward +) must see the same core whatever signs the SVD happened to pick.
    /// </summary>
    private static double[][] LeftSingularVectors(List<double[]> columns, int length)
    {
        int n = columns.Count;
        var identity = new double[n][];
        var ones = new double[n];
        for (int k = 0; k < n; k++)
        {
            identity[k] = new double[n];
            identity[k][k] = 1;
            ones[k] = 1;
        }

        double[][] basis = FactoredSvd.Compute(columns, identity, ones, n, length).U;
        foreach (double[] q in basis)
        {
            int peak = 0;
            for (int i = 1; i < q.Length; i++)
            {
                if (Math.Abs(q[i]) > Math.Abs(q[peak])) peak = i;
            }

            if (q[peak] < 0) VectorKernels.Scale(-1, q);
        }

        return basis;
    }

    /// <summary>b = U_B b', a = V_A a' for every merged core unit; scales kept.</summary>
    private static UnitBlock Lift(UnitBlock core, double[][] basisA, double[][] basisB, int din, int dout)
    {
        var a = new float[core.Count * din];
        var bt = new float[core.Count * dout];
        var scale = new double[core.Count];
        var va = new double[din];
        var vb = new double[dout];
        for (int j = 0; j < core.Count; j++)
        {
            Array.Clear(va, 0, din);
            Array.Clear(vb, 0, dout);
            var ca = core.UnitA(j);
            var cb = core.UnitB(j);
            for (int q = 0; q < basisA.Length; q++) VectorKernels.Axpy(ca[q], basisA[q], va);
            for (int q = 0; q < basisB.Length; q++) VectorKernels.Axpy(cb[q], basisB[q], vb);
            VectorKernels.ScaleToFloat(1, va, new Span<float>(a, j * din, din));
            VectorKernels.ScaleToFloat(1, vb, new Span<float>(bt, j * dout, dout));
            scale[j] = core.Scale[j];
        }

        return new UnitBlock(din, dout, a, bt, scale);
    }
}
