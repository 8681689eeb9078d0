using System;
using LoraLego.Diagnostics;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>Checks shared by the merge methods, with the engine's error ids.</summary>
internal static class ModuleInputChecks
{
    /// <summary>Throws unless the input has at least one source and every source has the module's shape.</summary>
    public static void Validate(ModuleMergeInput input)
    {
        if (input is null) throw new ArgumentNullException(nameof(input));
        if (input.Sources is null || input.Sources.Count == 0)
            throw new LoraLegoException("NoMergeSources", LoraErrorCategory.InvalidArgument, input.Module, $"Module '{input.Module}' has no sources to merge.");
        for (int s = 0; s < input.Sources.Count; s++)
        {
            var b = input.Sources[s];
            if (b.InFeatures != input.InFeatures || b.OutFeatures != input.OutFeatures)
                throw new LoraLegoException(
                    "ModuleShapeMismatch",
                    LoraErrorCategory.InvalidData,
                    input.Module,
                    $"Module '{input.Module}': source {s} has shape {b.OutFeatures}×{b.InFeatures}, expected {input.OutFeatures}×{input.InFeatures}.");
        }
    }

    /// <summary>The requested rank, or <paramref name="natural"/> when none was given; throws InvalidMergeRank when below 1.</summary>
    public static int RankOrDefault(ModuleMergeInput input, MergeOptions options, int natural)
    {
        int k = options.Rank ?? natural;
        if (k < 1) throw new LoraLegoException("InvalidMergeRank", LoraErrorCategory.InvalidArgument, input.Module, $"Module '{input.Module}': merge rank must be at least 1, got {k}.");
        return k;
    }

    /// <summary>Throws MergeFractionInvalid unless <paramref name="value"/> is in (0, 1] (or [0, 1] with <paramref name="allowZero"/>).</summary>
    public static void Fraction(ModuleMergeInput input, string option, double value, bool allowZero)
    {
        bool ok = allowZero ? value >= 0 && value <= 1 : value > 0 && value <= 1;
        if (!ok)
        {
            string range = allowZero ? "[0, 1]" : "(0, 1]";
            throw new LoraLegoException("MergeFractionInvalid", LoraErrorCategory.InvalidArgument, input.Module, $"Module '{input.Module}': {option} must be in {range}, got {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");
        }
    }

    /// <summary>Largest rank among the sources.</summary>
    public static int MaxSourceRank(ModuleMergeInput input)
    {
        int r = 0;
        foreach (var b in input.Sources) r = Math.Max(r, b.Count);
        return r;
    }
}
