using System;
using System.Collections.Generic;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Tests.Quality;

/// <summary>Random unit blocks and their dense deltas, computed independently of the engine with MathNet.</summary>
internal static class RankOneTestData
{
    public static UnitBlock RandomBlock(Random rng, int din, int dout, int rank, double scale)
    {
        var a = new float[rank * din];
        var bt = new float[rank * dout];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int i = 0; i < bt.Length; i++) bt[i] = (float)(rng.NextDouble() * 2 - 1);
        var s = new double[rank];
        for (int i = 0; i < rank; i++) s[i] = scale;
        return new UnitBlock(din, dout, a, bt, s);
    }

    /// <summary>Σ_i Scale[i] b_i a_iᵀ, in double.</summary>
    public static Matrix<double> Dense(UnitBlock block)
    {
        var m = Matrix<double>.Build.Dense(block.OutFeatures, block.InFeatures);
        for (int u = 0; u < block.Count; u++)
        {
            var a = Vector<double>.Build.Dense(block.InFeatures, i => block.UnitA(u)[i]);
            var b = Vector<double>.Build.Dense(block.OutFeatures, i => block.UnitB(u)[i]);
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

    /// <summary>The same rank-1 terms written with each unit's factors rescaled by c and 1/c (c of either sign).</summary>
    public static UnitBlock Reparameterise(UnitBlock block, Random rng)
    {
        var a = (float[])block.A.Clone();
        var bt = (float[])block.BT.Clone();
        for (int u = 0; u < block.Count; u++)
        {
            double c = (0.3 + (2.5 * rng.NextDouble())) * (rng.Next(2) == 0 ? -1 : 1);
            for (int i = 0; i < block.InFeatures; i++) a[(u * block.InFeatures) + i] = (float)(a[(u * block.InFeatures) + i] / c);
            for (int i = 0; i < block.OutFeatures; i++) bt[(u * block.OutFeatures) + i] = (float)(bt[(u * block.OutFeatures) + i] * c);
        }

        return new UnitBlock(block.InFeatures, block.OutFeatures, a, bt, (double[])block.Scale.Clone());
    }
}
