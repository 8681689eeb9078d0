using System;
using System.Collections.Generic;
using LoraLego.Adapters;
using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Reporting;

/// <summary>
/// Seam: the singular values of a module's delta Σ s_i b_i a_iᵀ, from the factors through the
/// project's one factored SVD (<see cref="FactoredSvd"/>). The report reads spectra only through
/// here, so this file is the one place to point at the shared spectrum engine
/// (Analysis.ModuleSpectrum.Measure(module).SingularValues) once it is on main.
/// </summary>
internal static class SpectrumSeam
{
    /// <summary>Singular values of one adapter module's delta (weight 1), descending.</summary>
    public static double[] Of(LoraModule module) => Of(module.ReadUnits());

    /// <summary>Singular values of the delta the blocks add up to (all blocks of one module, e.g. weighted sources), descending.</summary>
    public static double[] OfSum(IReadOnlyList<UnitBlock> blocks)
    {
        if (blocks.Count == 0) return Array.Empty<double>();
        if (blocks.Count == 1) return Of(blocks[0]);
        int inFeatures = blocks[0].InFeatures, outFeatures = blocks[0].OutFeatures, n = 0;
        foreach (var block in blocks) n += block.Count;
        var a = new float[(long)n * inFeatures];
        var bt = new float[(long)n * outFeatures];
        var scale = new double[n];
        int at = 0;
        foreach (var block in blocks)
        {
            Array.Copy(block.A, 0, a, (long)at * inFeatures, block.A.Length);
            Array.Copy(block.BT, 0, bt, (long)at * outFeatures, block.BT.Length);
            Array.Copy(block.Scale, 0, scale, at, block.Count);
            at += block.Count;
        }

        return Of(new UnitBlock(inFeatures, outFeatures, a, bt, scale));
    }

    private static double[] Of(UnitBlock block) =>
        block.Count == 0
            ? Array.Empty<double>()
            : FactoredSvd.Compute(block.A, block.BT, block.Scale, block.InFeatures, block.OutFeatures).Sigma;
}
