using System;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Units;

namespace LoraLego.Formats;

/// <summary>
/// Turns a unit block into the two stored factors of a scale-1 module: unit i becomes
/// (b_i·√|s_i|·sign(s_i), a_i·√|s_i|), so Σ s_i b_i a_iᵀ = B A exactly up to float rounding.
/// </summary>
internal static class FactorFolding
{
    /// <summary>A as [r, in] row-major and B as [out, r] row-major.</summary>
    public static (float[] A, float[] B) Fold(OutputModule module, UnitBlock units)
    {
        Check(module, units);
        int r = units.Count, n = units.InFeatures, m = units.OutFeatures;
        var a = new float[(long)r * n];
        var b = new float[(long)m * r];
        for (int i = 0; i < r; i++)
        {
            double s = units.Scale[i];
            double root = Math.Sqrt(Math.Abs(s));
            double signedRoot = s < 0 ? -root : root;
            var ua = units.UnitA(i);
            int row = i * n;
            for (int k = 0; k < n; k++) a[row + k] = (float)(ua[k] * root);
            var ub = units.UnitB(i);
            for (int o = 0; o < m; o++) b[(o * r) + i] = (float)(ub[o] * signedRoot);
        }

        return (a, b);
    }

    private static void Check(OutputModule module, UnitBlock units)
    {
        if (units.Count != module.Rank || units.InFeatures != module.InFeatures || units.OutFeatures != module.OutFeatures)
        {
            throw new AdapterException(AdapterErrorIds.OutputUnitsMismatch, LoraErrorCategory.InvalidOperation, module.Name,
                $"Module '{module.Name}': the producer delivered {units.Count} units of {units.OutFeatures}×{units.InFeatures}, but the output was declared as rank {module.Rank}, {module.OutFeatures}×{module.InFeatures}.",
                module.Name);
        }

        for (int i = 0; i < units.Count; i++)
        {
            if (double.IsNaN(units.Scale[i]) || double.IsInfinity(units.Scale[i]))
            {
                throw new AdapterException(AdapterErrorIds.OutputUnitsMismatch, LoraErrorCategory.InvalidOperation, module.Name,
                    $"Module '{module.Name}': unit {i} has scale {units.Scale[i]}; scales must be finite.", module.Name);
            }
        }
    }
}
