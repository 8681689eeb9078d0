using System;
using System.Collections.Generic;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Tests.Merging;

/// <summary>Random unit blocks and the independent dense computations the tests compare against.</summary>
internal static class UnitTestData
{
    public static UnitBlock RandomBlock(Random rng, int rank, int inFeatures, int outFeatures, double scale)
    {
        var a = new float[rank * inFeatures];
        var bt = new float[rank * outFeatures];
        for (int i = 0; i < a.Length; i++) a[i] = (float)Gaussian(rng);
        for (int i = 0; i < bt.Length; i++) bt[i] = (float)(Gaussian(rng) * 0.1);
        var s = new double[rank];
        for (int i = 0; i < rank; i++) s[i] = scale;
        return new UnitBlock(inFeatures, outFeatures, a, bt, s);
    }

    public static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>ΔW = Σ_i Scale[i] b_i a_iᵀ built entry by entry in double with MathNet.</summary>
    public static Matrix<double> Dense(UnitBlock block)
    {
        var m = Matrix<double>.Build.Dense(block.OutFeatures, block.InFeatures);
        for (int u = 0; u < block.Count; u++)
        {
            var b = Vector<double>.Build.Dense(block.OutFeatures, i => block.BT[(u * block.OutFeatures) + i]);
            var a = Vector<double>.Build.Dense(block.InFeatures, j => block.A[(u * block.InFeatures) + j]);
            m += block.Scale[u] * b.OuterProduct(a);
        }

        return m;
    }

    public static Matrix<double> DenseSum(IEnumerable<UnitBlock> blocks)
    {
        Matrix<double>? sum = null;
        foreach (var b in blocks) sum = sum is null ? Dense(b) : sum + Dense(b);
        return sum!;
    }

    /// <summary>Best rank-k approximation of a dense matrix from MathNet's full SVD.</summary>
    public static Matrix<double> Truncate(Matrix<double> m, int k)
    {
        var svd = m.Svd(true);
        var s = Matrix<double>.Build.Dense(k, k);
        for (int i = 0; i < k; i++) s[i, i] = svd.S[i];
        return svd.U.SubMatrix(0, m.RowCount, 0, k) * s * svd.VT.SubMatrix(0, k, 0, m.ColumnCount);
    }

    public static double RelativeError(Matrix<double> actual, Matrix<double> expected) =>
        (actual - expected).FrobeniusNorm() / expected.FrobeniusNorm();

    public static UnitBlock Permute(UnitBlock block, int[] order) => UnitBlockOps.Select(block, order);
}
