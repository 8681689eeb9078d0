using System;
using System.Globalization;
using LoraLego.Diagnostics;

namespace LoraLego.Merging.Dense;

/// <summary>Checks shared by the baseline methods; every message names the module.</summary>
internal static class MergeInputChecks
{
    public static void Sources(ModuleMergeInput input)
    {
        if (input.Sources.Count == 0)
        {
            throw new LoraLegoException("MergeNoSources", LoraErrorCategory.InvalidArgument, input.Module, $"Module '{input.Module}' has no source adapters to merge.");
        }

        for (int i = 0; i < input.Sources.Count; i++)
        {
            var s = input.Sources[i];
            if (s.InFeatures != input.InFeatures || s.OutFeatures != input.OutFeatures)
            {
                throw new LoraLegoException(
                    "MergeSourceShapeMismatch",
                    LoraErrorCategory.InvalidData,
                    input.Module,
                    string.Format(CultureInfo.InvariantCulture, "Module '{0}': source {1} is {2}×{3} but the module is {4}×{5} (out×in).", input.Module, i, s.OutFeatures, s.InFeatures, input.OutFeatures, input.InFeatures));
            }
        }
    }

    /// <summary>The requested rank, or by default the largest source rank (what PEFT's *_svd variants use).</summary>
    public static int Rank(ModuleMergeInput input, MergeOptions options)
    {
        if (options.Rank is int r)
        {
            if (r < 1)
            {
                throw new LoraLegoException("MergeRankInvalid", LoraErrorCategory.InvalidArgument, input.Module, $"Module '{input.Module}': rank must be at least 1, got {r.ToString(CultureInfo.InvariantCulture)}.");
            }

            return r;
        }

        int max = 0;
        foreach (var s in input.Sources) max = Math.Max(max, s.Count);
        return max;
    }

    public static void Density(ModuleMergeInput input, MergeOptions options)
    {
        double d = options.Density;
        if (!(d > 0 && d <= 1))
        {
            throw new LoraLegoException("MergeDensityInvalid", LoraErrorCategory.InvalidArgument, input.Module, $"Module '{input.Module}': density must be in (0, 1], got {d.ToString("R", CultureInfo.InvariantCulture)}.");
        }
    }

    /// <summary>Dense methods hold the module as one float array, and count agreeing sources in 16 bits.</summary>
    public static void DenseSize(ModuleMergeInput input)
    {
        long size = (long)input.OutFeatures * input.InFeatures;
        if (size > int.MaxValue || input.Sources.Count > ushort.MaxValue)
        {
            throw new LoraLegoException("MergeModuleTooLarge", LoraErrorCategory.InvalidArgument, input.Module, string.Format(CultureInfo.InvariantCulture, "Module '{0}' ({1}×{2}, {3} sources) is too large for a dense merge method.", input.Module, input.OutFeatures, input.InFeatures, input.Sources.Count));
        }
    }
}
