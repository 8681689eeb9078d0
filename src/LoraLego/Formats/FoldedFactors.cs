using System;
using System.Collections.Generic;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Units;

namespace LoraLego.Formats;

/// <summary>
/// The two stored factors of a scale-1 module made from units: unit i becomes
/// (b_i·√|s_i|·sign(s_i), a_i·√|s_i|), so Σ s_i b_i a_iᵀ = B A exactly up to float rounding.
/// The factors are never built whole: the writer asks for them a chunk at a time and each value is
/// computed, (float)(x·root) in float64, straight from the units' own vectors into its buffer.
/// </summary>
internal sealed class FoldedFactors
{
    private readonly int _inFeatures;
    private readonly int _outFeatures;
    private readonly ReadOnlyMemory<float>[] _a;
    private readonly ReadOnlyMemory<float>[] _b;
    private readonly IReadOnlyList<double> _scales;
    private readonly double[] _roots;
    private readonly double[] _signedRoots;

    private FoldedFactors(int inFeatures, int outFeatures, ReadOnlyMemory<float>[] a, ReadOnlyMemory<float>[] b, IReadOnlyList<double> scales, double statedScale = 1.0)
    {
        _inFeatures = inFeatures;
        _outFeatures = outFeatures;
        _a = a;
        _b = b;
        _scales = scales;
        _roots = new double[scales.Count];
        _signedRoots = new double[scales.Count];
        for (int i = 0; i < scales.Count; i++)
        {
            // Dividing by 1 is exact, so a scale-1 output folds exactly as before; a unit whose scale is
            // the stated one gets root 1 and its vectors are written unchanged.
            double s = scales[i] / statedScale;
            _roots[i] = Math.Sqrt(Math.Abs(s));
            _signedRoots[i] = s < 0 ? -_roots[i] : _roots[i];
        }
    }

    /// <summary>Values in A, stored [r, in] row-major.</summary>
    public long ALength => (long)_a.Length * _inFeatures;

    /// <summary>Values in B, stored [out, r] row-major.</summary>
    public long BLength => (long)_outFeatures * _b.Length;

    /// <summary>A producer's block; its shape must be the declared module's and its scales finite.</summary>
    public static FoldedFactors Of(OutputModule module, UnitBlock units)
    {
        CheckShape(module, units.Count, units.InFeatures, units.OutFeatures);
        for (int i = 0; i < units.Count; i++)
        {
            if (double.IsNaN(units.Scale[i]) || double.IsInfinity(units.Scale[i]))
            {
                throw new AdapterException(AdapterErrorIds.OutputUnitsMismatch, LoraErrorCategory.InvalidOperation, module.Name,
                    $"Module '{module.Name}': unit {i} has scale {units.Scale[i]}; scales must be finite.", module.Name);
            }
        }

        var a = new ReadOnlyMemory<float>[units.Count];
        var b = new ReadOnlyMemory<float>[units.Count];
        for (int i = 0; i < units.Count; i++)
        {
            a[i] = new ReadOnlyMemory<float>(units.A, i * units.InFeatures, units.InFeatures);
            b[i] = new ReadOnlyMemory<float>(units.BT, i * units.OutFeatures, units.OutFeatures);
        }

        return new FoldedFactors(units.InFeatures, units.OutFeatures, a, b, units.Scale);
    }

    /// <summary>
    /// Units given vector by vector (a_i of InFeatures values, b_i of OutFeatures), folded with their
    /// scales as they are: a NaN or infinite scale gives NaN or infinite values, as folding it into
    /// the vectors first would (merging non-finite input is refused upstream unless forced).
    /// </summary>
    public static FoldedFactors Of(OutputModule module, ReadOnlyMemory<float>[] a, ReadOnlyMemory<float>[] b, IReadOnlyList<double> scales)
    {
        CheckShape(module, scales.Count, module.InFeatures, module.OutFeatures);
        for (int i = 0; i < scales.Count; i++)
        {
            if (a[i].Length != module.InFeatures || b[i].Length != module.OutFeatures)
            {
                throw new ArgumentException($"Module '{module.Name}': unit {i} has {a[i].Length} + {b[i].Length} values, not {module.InFeatures} + {module.OutFeatures}.");
            }
        }

        return new FoldedFactors(module.InFeatures, module.OutFeatures, a, b, scales);
    }

    /// <summary>
    /// The same units for a module whose stored alpha already states <paramref name="statedScale"/>:
    /// only s_i / statedScale is folded into the vectors.
    /// </summary>
    public FoldedFactors StatedAs(double statedScale) =>
        statedScale == 1.0 ? this : new FoldedFactors(_inFeatures, _outFeatures, _a, _b, _scales, statedScale);

    /// <summary>The units as a block (vectors copied, scales as given): for producers that regroup modules (Flux's fused layers).</summary>
    public UnitBlock ToUnits()
    {
        int r = _a.Length;
        var a = new float[(long)r * _inFeatures];
        var bt = new float[(long)r * _outFeatures];
        for (int i = 0; i < r; i++)
        {
            _a[i].Span.CopyTo(a.AsSpan(i * _inFeatures, _inFeatures));
            _b[i].Span.CopyTo(bt.AsSpan(i * _outFeatures, _outFeatures));
        }

        var scales = new double[r];
        for (int i = 0; i < r; i++) scales[i] = _scales[i];
        return new UnitBlock(_inFeatures, _outFeatures, a, bt, scales);
    }

    /// <summary>A from element <paramref name="start"/> on: row i is a_i·√|s_i|.</summary>
    public void FillA(long start, Span<float> destination)
    {
        int n = _inFeatures;
        int unit = (int)(start / n), k = (int)(start % n);
        for (int filled = 0; filled < destination.Length; unit++, k = 0)
        {
            var a = _a[unit].Span;
            double root = _roots[unit];
            int take = Math.Min(n - k, destination.Length - filled);
            for (int j = 0; j < take; j++) destination[filled + j] = (float)(a[k + j] * root);
            filled += take;
        }
    }

    /// <summary>B from element <paramref name="start"/> on: column i is b_i·√|s_i|·sign(s_i), filled one column (unit) at a time.</summary>
    public void FillB(long start, Span<float> destination)
    {
        int r = _b.Length;
        for (int unit = 0; unit < r; unit++)
        {
            // Element e = row·r + unit: the column's first element at or after start, then every r-th.
            int first = (int)((((unit - start) % r) + r) % r);
            int row = (int)((start + first) / r);
            var b = _b[unit].Span;
            double signedRoot = _signedRoots[unit];
            for (int d = first; d < destination.Length; d += r, row++) destination[d] = (float)(b[row] * signedRoot);
        }
    }

    private static void CheckShape(OutputModule module, int count, int inFeatures, int outFeatures)
    {
        if (count != module.Rank || inFeatures != module.InFeatures || outFeatures != module.OutFeatures)
        {
            throw new AdapterException(AdapterErrorIds.OutputUnitsMismatch, LoraErrorCategory.InvalidOperation, module.Name,
                $"Module '{module.Name}': the producer delivered {count} units of {outFeatures}×{inFeatures}, but the output was declared as rank {module.Rank}, {module.OutFeatures}×{module.InFeatures}.",
                module.Name);
        }
    }
}
