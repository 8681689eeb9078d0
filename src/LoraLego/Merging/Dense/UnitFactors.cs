using System;
using System.Collections.Generic;
using LoraLego.Units;

namespace LoraLego.Merging.Dense;

/// <summary>Conversions between unit blocks and the double-precision factor rows the dense helpers use.</summary>
internal static class UnitFactors
{
    public static double[] B(UnitBlock block, int unit) => ToDouble(block.UnitB(unit));

    public static double[] A(UnitBlock block, int unit) => ToDouble(block.UnitA(unit));

    /// <summary>All units of all blocks, in order, with each unit's scale.</summary>
    public static void Stack(IEnumerable<UnitBlock> blocks, List<double[]> b, List<double[]> a, List<double> scale, double sign = 1)
    {
        foreach (var block in blocks)
        {
            for (int k = 0; k < block.Count; k++)
            {
                b.Add(B(block, k));
                a.Add(A(block, k));
                scale.Add(sign * block.Scale[k]);
            }
        }
    }

    /// <summary>
    /// Units of scale 1 from singular triplets, √σ on each side so b and a carry equal norms;
    /// padded with zero units up to <paramref name="rank"/> so every module of a merge has the
    /// same rank (one r in the adapter config).
    /// </summary>
    public static UnitBlock FromSvd(FactoredSvd svd, int rank, int inFeatures, int outFeatures)
    {
        var a = new float[rank * inFeatures];
        var bt = new float[rank * outFeatures];
        var scale = new double[rank];
        for (int k = 0; k < rank; k++)
        {
            scale[k] = 1.0;
            if (k >= svd.Sigma.Length) continue;
            double root = Math.Sqrt(svd.Sigma[k]);
            for (int i = 0; i < inFeatures; i++) a[(k * inFeatures) + i] = (float)(root * svd.V[k][i]);
            for (int i = 0; i < outFeatures; i++) bt[(k * outFeatures) + i] = (float)(root * svd.U[k][i]);
        }

        return new UnitBlock(inFeatures, outFeatures, a, bt, scale);
    }

    private static double[] ToDouble(ReadOnlySpan<float> v)
    {
        var d = new double[v.Length];
        for (int i = 0; i < v.Length; i++) d[i] = v[i];
        return d;
    }
}
