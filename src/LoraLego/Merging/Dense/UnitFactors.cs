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

    private static double[] ToDouble(ReadOnlySpan<float> v)
    {
        var d = new double[v.Length];
        for (int i = 0; i < v.Length; i++) d[i] = v[i];
        return d;
    }
}
