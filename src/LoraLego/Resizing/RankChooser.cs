using System;
using System.Collections.Generic;

namespace LoraLego.Resizing;

/// <summary>
/// The exact smallest rank meeting a criterion. kohya's resize_lora.py defines the same three
/// criteria; versions before its PR #2194 returned one rank too many for sv_fro and sv_cumulative.
/// Here k is the least k with the kept share ≥ the threshold, tested in float64 on cumulative sums
/// taken in one order, so a threshold of 1 keeps exactly the non-zero singular values.
/// </summary>
public static class RankChooser
{
    /// <summary>
    /// The rank for the non-zero singular values <paramref name="sigma"/> (descending): the criterion's k,
    /// raised to MinRank, lowered to MaxRank, then never above sigma.Count (directions past the delta's
    /// own rank are zero, so writing them would add nothing) and never below 1 (a zero delta is written
    /// as one zero unit, since a module needs a rank).
    /// </summary>
    public static int Choose(IReadOnlyList<double> sigma, ResizeOptions options)
    {
        if (sigma is null) throw new ArgumentNullException(nameof(sigma));
        if (options is null) throw new ArgumentNullException(nameof(options));
        int available = sigma.Count;
        int k = sigma.Count == 0 || sigma[0] <= 0 ? options.MinRank : options.Criterion switch
        {
            RankCriterion.Fixed => options.Rank,
            RankCriterion.Frobenius => SmallestShare(sigma, options.Threshold * options.Threshold, square: true),
            RankCriterion.Cumulative => SmallestShare(sigma, options.Threshold, square: false),
            RankCriterion.SingularValueRatio => CountAtLeast(sigma, sigma[0] / options.Threshold),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Criterion, "Unknown rank criterion."),
        };
        k = Math.Min(Math.Max(k, options.MinRank), options.MaxRank);
        return Math.Max(1, Math.Min(k, available));
    }

    /// <summary>Least k with Σ_{i≤k} x_i / Σ x_i ≥ target, x = σ or σ².</summary>
    private static int SmallestShare(IReadOnlyList<double> sigma, double target, bool square)
    {
        double total = 0;
        foreach (double s in sigma) total += square ? s * s : s;
        double kept = 0;
        for (int i = 0; i < sigma.Count; i++)
        {
            kept += square ? sigma[i] * sigma[i] : sigma[i];
            if (kept >= target * total) return i + 1;
        }

        return sigma.Count;
    }

    private static int CountAtLeast(IReadOnlyList<double> sigma, double floor)
    {
        int k = 0;
        while (k < sigma.Count && sigma[k] >= floor) k++;
        return k;
    }
}
