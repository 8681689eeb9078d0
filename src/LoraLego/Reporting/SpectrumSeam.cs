using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Reporting;

/// <summary>
/// The singular values the report charts: an adapter's module through the same engine as
/// Measure-LoraAdapter (<see cref="Analysis.ModuleSpectrum"/>), so chart and cmdlet agree; a sum of
/// blocks (the sources' exact sum) through the project's one factored SVD (<see cref="FactoredSvd"/>).
/// </summary>
internal static class SpectrumSeam
{
    /// <summary>Singular values of one adapter module's delta (weight 1), descending.</summary>
    public static double[] Of(LoraModule module) => Analysis.ModuleSpectrum.Measure(module).SingularValues.ToArray();

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
