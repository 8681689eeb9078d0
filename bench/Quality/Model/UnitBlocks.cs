using System;
using System.Collections.Generic;
using LoraLego.Units;

namespace LoraLego.Bench.Quality.Model;

/// <summary>Helpers on unit blocks that the benchmark needs independently of the engine's methods.</summary>
internal static class UnitBlocks
{
    /// <summary>All units of all sources in one block: the exact sum of their deltas.</summary>
    public static UnitBlock Stack(IReadOnlyList<UnitBlock> sources)
    {
        int din = sources[0].InFeatures, dout = sources[0].OutFeatures, n = 0;
        foreach (var s in sources) n += s.Count;
        var a = new float[n * din];
        var bt = new float[n * dout];
        var scale = new double[n];
        int at = 0;
        foreach (var s in sources)
        {
            Array.Copy(s.A, 0, a, at * din, s.Count * din);
            Array.Copy(s.BT, 0, bt, at * dout, s.Count * dout);
            Array.Copy(s.Scale, 0, scale, at, s.Count);
            at += s.Count;
        }

        return new UnitBlock(din, dout, a, bt, scale);
    }

    /// <summary>ΔW = Σ Scale[i] b_i a_iᵀ as a dense out×in matrix in double (for checks, small modules only).</summary>
    public static double[,] Dense(UnitBlock block)
    {
        var w = new double[block.OutFeatures, block.InFeatures];
        for (int u = 0; u < block.Count; u++)
        {
            var a = block.UnitA(u);
            var b = block.UnitB(u);
            for (int o = 0; o < block.OutFeatures; o++)
            {
                double bo = block.Scale[u] * b[o];
                for (int i = 0; i < block.InFeatures; i++) w[o, i] += bo * a[i];
            }
        }

        return w;
    }
}
