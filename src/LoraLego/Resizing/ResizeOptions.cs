using System;
using System.Globalization;

namespace LoraLego.Resizing;

/// <summary>What rank each module of a resized adapter gets.</summary>
public sealed class ResizeOptions
{
    private ResizeOptions(RankCriterion criterion, int rank, double threshold, int minRank, int maxRank)
    {
        Criterion = criterion;
        Rank = rank;
        Threshold = threshold;
        MinRank = minRank;
        MaxRank = maxRank;
    }

    public RankCriterion Criterion { get; }

    /// <summary>The rank of <see cref="RankCriterion.Fixed"/>; 0 otherwise.</summary>
    public int Rank { get; }

    /// <summary>p for Frobenius and Cumulative (0 &lt; p ≤ 1), q for SingularValueRatio (q ≥ 1); 0 for Fixed.</summary>
    public double Threshold { get; }

    /// <summary>Lower bound on a chosen rank (never above what the module has).</summary>
    public int MinRank { get; }

    /// <summary>Upper bound on a chosen rank.</summary>
    public int MaxRank { get; }

    /// <summary>Every module at rank <paramref name="rank"/> (or its own, when lower).</summary>
    public static ResizeOptions Fixed(int rank)
    {
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), rank, "The rank must be at least 1.");
        return new ResizeOptions(RankCriterion.Fixed, rank, 0, 1, rank);
    }

    /// <summary>A rank per module chosen by <paramref name="criterion"/>, then clamped to [<paramref name="minRank"/>, <paramref name="maxRank"/>].</summary>
    public static ResizeOptions Dynamic(RankCriterion criterion, double threshold, int minRank = 1, int maxRank = int.MaxValue)
    {
        bool valid = criterion switch
        {
            RankCriterion.Frobenius or RankCriterion.Cumulative => threshold > 0 && threshold <= 1,
            RankCriterion.SingularValueRatio => threshold >= 1 && !double.IsInfinity(threshold),
            _ => false,
        };
        if (!valid)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, criterion == RankCriterion.SingularValueRatio
                ? "A singular value ratio must be a finite number of at least 1."
                : criterion == RankCriterion.Fixed ? "Use ResizeOptions.Fixed for a fixed rank." : "A ratio must be in (0, 1].");
        }

        if (minRank < 1 || maxRank < minRank)
            throw new ArgumentOutOfRangeException(nameof(minRank), string.Format(CultureInfo.InvariantCulture, "Need 1 ≤ MinRank ({0}) ≤ MaxRank ({1}).", minRank, maxRank));
        return new ResizeOptions(criterion, 0, threshold, minRank, maxRank);
    }

    public override string ToString() => Criterion == RankCriterion.Fixed
        ? string.Format(CultureInfo.InvariantCulture, "rank {0}", Rank)
        : string.Format(CultureInfo.InvariantCulture, "{0} {1} (ranks {2}-{3})", Criterion, Threshold, MinRank, MaxRank == int.MaxValue ? "any" : MaxRank.ToString(CultureInfo.InvariantCulture));
}
