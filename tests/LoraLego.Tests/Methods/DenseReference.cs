using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Clustering;
using LoraLego.Merging;
using LoraLego.Merging.Dense;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Tests.Methods;

/// <summary>
/// Independent dense (double, MathNet) versions of what the methods compute, written the plain
/// way (sort instead of radix select, full SVD instead of randomised), for the tests to compare against.
/// </summary>
internal static class DenseReference
{
    public static UnitBlock RandomBlock(Random rng, int outFeatures, int inFeatures, int rank, double scale)
    {
        var a = new float[rank * inFeatures];
        var bt = new float[rank * outFeatures];
        for (int i = 0; i < a.Length; i++) a[i] = (float)((rng.NextDouble() * 2) - 1);
        for (int i = 0; i < bt.Length; i++) bt[i] = (float)((rng.NextDouble() * 2) - 1);
        return new UnitBlock(inFeatures, outFeatures, a, bt, Enumerable.Repeat(scale, rank).ToArray());
    }

    public static UnitBlock Block(double[][] b, double[][] a, double[] scale)
    {
        int din = a[0].Length, dout = b[0].Length;
        var af = a.SelectMany(r => r.Select(x => (float)x)).ToArray();
        var bf = b.SelectMany(r => r.Select(x => (float)x)).ToArray();
        return new UnitBlock(din, dout, af, bf, scale);
    }

    public static ModuleMergeInput Input(string module, params UnitBlock[] sources) => new(module, sources[0].InFeatures, sources[0].OutFeatures, sources);

    public static Matrix<double> Delta(UnitBlock block)
    {
        var m = Matrix<double>.Build.Dense(block.OutFeatures, block.InFeatures);
        for (int k = 0; k < block.Count; k++)
        {
            for (int r = 0; r < block.OutFeatures; r++)
            {
                double br = block.Scale[k] * block.BT[(k * block.OutFeatures) + r];
                for (int c = 0; c < block.InFeatures; c++) m[r, c] += br * block.A[(k * block.InFeatures) + c];
            }
        }

        return m;
    }

    public static Matrix<double> FromRowMajor(float[] values, int rows, int cols)
    {
        var m = Matrix<double>.Build.Dense(rows, cols);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++) m[r, c] = values[(r * cols) + c];
        }

        return m;
    }

    /// <summary>Keep the int(density·n) largest |x|, ties broken by row-major index order.</summary>
    public static Matrix<double> MagnitudeTrim(Matrix<double> x, double density)
    {
        int cols = x.ColumnCount;
        int n = x.RowCount * cols;
        long keep = density >= 1 ? n : (long)(density * n);
        var order = Enumerable.Range(0, n).OrderByDescending(i => Math.Abs(x[i / cols, i % cols])).ThenBy(i => i).Take((int)keep).ToHashSet();
        var y = x.Clone();
        for (int i = 0; i < n; i++)
        {
            if (!order.Contains(i)) y[i / cols, i % cols] = 0;
        }

        return y;
    }

    /// <summary>Bernoulli(density) keep mask drawn row-major from the task's stream, survivors / density.</summary>
    public static Matrix<double> RandomDrop(Matrix<double> x, double density, int seed, string module, int task)
    {
        var rng = SplitMix64.ForStream(seed, module, task);
        var y = x.Clone();
        double limit = density * 4294967296.0;
        for (int r = 0; r < x.RowCount; r++)
        {
            for (int c = 0; c < x.ColumnCount; c++)
            {
                bool keep = (rng.NextUInt64() >> 32) < limit;
                y[r, c] = keep ? x[r, c] / density : 0;
            }
        }

        return y;
    }

    public static Matrix<double> DisjointMean(IReadOnlyList<Matrix<double>> tasks, SignElection election)
    {
        int rows = tasks[0].RowCount, cols = tasks[0].ColumnCount;
        var result = Matrix<double>.Build.Dense(rows, cols);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                double vote = election == SignElection.Total ? tasks.Sum(t => t[r, c]) : tasks.Sum(t => Math.Sign(t[r, c]));
                int elected = vote >= 0 ? 1 : -1;
                var agreeing = tasks.Select(t => t[r, c]).Where(v => Math.Sign(v) == elected).ToList();
                result[r, c] = agreeing.Count == 0 ? 0 : agreeing.Sum() / agreeing.Count;
            }
        }

        return result;
    }

    public static Matrix<double> TruncatedSvd(Matrix<double> x, int rank)
    {
        var svd = x.Svd(true);
        int k = Math.Min(rank, svd.S.Count);
        var result = Matrix<double>.Build.Dense(x.RowCount, x.ColumnCount);
        for (int j = 0; j < k; j++) result += svd.S[j] * svd.U.Column(j).OuterProduct(svd.VT.Row(j));
        return result;
    }

    // Σx² directly: MathNet's FrobeniusNorm forms A·Aᵀ, cubic in the size.
    public static double RelativeDifference(Matrix<double> actual, Matrix<double> expected) => Formats.Dense.RelativeError(actual, expected);
}
