using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Units;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>
/// A delta Σ s_i b_i a_iᵀ kept as its units (float64), compared without forming the out×in matrix:
/// ‖Σ s_i b_i a_iᵀ‖²_F = Σ_ij s_i s_j (a_i·a_j)(b_i·b_j). Flux's layers are 21504×3072; this stays O(r²(in+out)).
/// </summary>
internal sealed class FactoredDelta
{
    private readonly List<(double S, double[] A, double[] B)> _units = new();

    public FactoredDelta(int inFeatures, int outFeatures)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public static FactoredDelta Of(UnitBlock units)
    {
        var d = new FactoredDelta(units.InFeatures, units.OutFeatures);
        for (int i = 0; i < units.Count; i++) d.Add(units.Scale[i], units.UnitA(i).ToArray(), units.UnitB(i).ToArray());
        return d;
    }

    public static FactoredDelta Of(LoraModule module) => Of(module.ReadUnits());

    public void Add(double scale, float[] a, float[] b) => _units.Add((scale, a.Select(v => (double)v).ToArray(), b.Select(v => (double)v).ToArray()));

    public double Norm() => Math.Sqrt(Math.Max(0, SquaredNorm(_units)));

    /// <summary>‖this − expected‖_F / ‖expected‖_F.</summary>
    public double RelativeErrorTo(FactoredDelta expected)
    {
        if (expected.InFeatures != InFeatures || expected.OutFeatures != OutFeatures)
            throw new ArgumentException($"Shapes differ: {OutFeatures}×{InFeatures} against {expected.OutFeatures}×{expected.InFeatures}.");
        var both = _units.Concat(expected._units.Select(u => (-u.S, u.A, u.B))).ToList();
        return Math.Sqrt(Math.Max(0, SquaredNorm(both))) / expected.Norm();
    }

    private static double SquaredNorm(List<(double S, double[] A, double[] B)> units)
    {
        double sum = 0;
        for (int i = 0; i < units.Count; i++)
        {
            for (int j = 0; j < units.Count; j++) sum += units[i].S * units[j].S * Dot(units[i].A, units[j].A) * Dot(units[i].B, units[j].B);
        }

        return sum;
    }

    private static double Dot(double[] x, double[] y)
    {
        double s = 0;
        for (int k = 0; k < x.Length; k++) s += x[k] * y[k];
        return s;
    }
}
