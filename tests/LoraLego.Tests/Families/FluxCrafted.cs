using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Tests.Formats;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Families;

/// <summary>What one layer the test expects a stored module to become: identity key and the stored B row of each of its rows.</summary>
internal sealed record ExpectedPart(string Identity, int Rows, Func<int, int> StoredRow);

/// <summary>
/// One module of a crafted Flux file: its tensor keys, seeded factors at FLUX.1's real widths (rank 1-2
/// keeps the files small), and the layers it must read as, taken from the test-side model layers.
/// </summary>
internal sealed class StoredModule
{
    public StoredModule(string down, string up, int rank, int inF, int outF, ulong seed, string? alphaKey, float? alpha, params ExpectedPart[] expect)
    {
        Down = down;
        Up = up;
        Rank = rank;
        In = inF;
        Out = outF;
        AlphaKey = alphaKey;
        Alpha = alpha;
        Expect = expect;
        A = TestFiles.Values(rank * inF, seed);
        B = TestFiles.Values(outF * rank, seed + 101);
    }

    public string Down { get; }

    public string Up { get; }

    public int Rank { get; }

    public int In { get; }

    public int Out { get; }

    public string? AlphaKey { get; }

    public float? Alpha { get; }

    public float[] A { get; }

    public float[] B { get; }

    public IReadOnlyList<ExpectedPart> Expect { get; }

    /// <summary>alpha/r, alpha = r when absent (kohya, ComfyUI; XLabs and diffusers store none: 1).</summary>
    public double Scale => Alpha is float a && a != 0 ? a / Rank : 1.0;

    public IEnumerable<TestTensor> Tensors()
    {
        yield return TestTensor.F32(Down, new long[] { Rank, In }, A);
        yield return TestTensor.F32(Up, new long[] { Out, Rank }, B);
        if (AlphaKey is not null) yield return TestTensor.F32(AlphaKey, new long[0], new[] { Alpha!.Value });
    }

    /// <summary>A stem + suffix pair in one of the suffix styles.</summary>
    public static StoredModule Of(string stem, (string Down, string Up) suffix, int rank, int inF, int outF, ulong seed, float? alpha, params ExpectedPart[] expect) =>
        new(stem + suffix.Down, stem + suffix.Up, rank, inF, outF, seed, alpha is null ? null : stem + ".alpha", alpha, expect);

    public static readonly (string, string) KohyaSuffix = (".lora_down.weight", ".lora_up.weight");
    public static readonly (string, string) PeftSuffix = (".lora_A.weight", ".lora_B.weight");
    public static readonly (string, string) XLabsSuffix = (".down.weight", ".up.weight");

    /// <summary>The diffusers layers of a BFL layer (from the test's model layers), with their rows of its B.</summary>
    public static ExpectedPart[] PartsOf(string bflPath, int take = int.MaxValue) =>
        FluxModelLayers.Diffusers().Where(d => d.BflPath == bflPath).OrderBy(d => d.RowStart).Take(take)
            .Select(d => new ExpectedPart("transformer." + d.Path, d.Out, i => FluxModelLayers.BflRow(d, i))).ToArray();

    /// <summary>A layer named as the identity names it: all rows, in order.</summary>
    public static ExpectedPart Whole(string identity, int rows) => new(identity, rows, i => i);
}

/// <summary>Deltas on a window of input columns (a full FLUX.1 ΔW is up to 21504×3072), computed two ways.</summary>
internal static class FluxDelta
{
    /// <summary>Input columns to compare: both ends and a few inside.</summary>
    public static int[] Columns(int inF) => new[] { 0, 1, inF / 3, inF / 2, inF - 2, inF - 1 }.Distinct().ToArray();

    /// <summary>scale · B[StoredRow(i), :] · A[:, c] from the stored factors, in float64.</summary>
    public static double[,] Expected(StoredModule m, ExpectedPart part, int[] cols)
    {
        var d = new double[part.Rows, cols.Length];
        for (int i = 0; i < part.Rows; i++)
        {
            int row = part.StoredRow(i);
            for (int c = 0; c < cols.Length; c++)
            {
                double s = 0;
                for (int k = 0; k < m.Rank; k++) s += (double)m.B[(row * m.Rank) + k] * m.A[(k * m.In) + cols[c]];
                d[i, c] = m.Scale * s;
            }
        }

        return d;
    }

    /// <summary>Σ_i scale_i · b_i[row] · a_i[c] from units.</summary>
    public static double[,] Of(UnitBlock u, int[] cols)
    {
        var d = new double[u.OutFeatures, cols.Length];
        for (int i = 0; i < u.Count; i++)
        {
            var a = u.UnitA(i);
            var b = u.UnitB(i);
            for (int r = 0; r < u.OutFeatures; r++)
            {
                if (b[r] == 0) continue;
                for (int c = 0; c < cols.Length; c++) d[r, c] += u.Scale[i] * b[r] * a[cols[c]];
            }
        }

        return d;
    }

    public static void AssertClose(double[,] expected, double[,] actual, string what, double tolerance = 1e-12)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.GetLength(0); i++)
        {
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                diff += Math.Pow(expected[i, j] - actual[i, j], 2);
                norm += expected[i, j] * expected[i, j];
            }
        }

        Assert.True(norm > 0, $"{what}: the expected delta is zero; the test data is wrong.");
        double rel = Math.Sqrt(diff / norm);
        Assert.True(rel <= tolerance, $"{what}: relative error {rel:E3} > {tolerance:E1}");
    }
}
