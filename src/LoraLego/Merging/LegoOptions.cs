using System.Collections.Generic;
using System.Globalization;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>Which unit representative is averaged (see ALGORITHM.md, symmetries).</summary>
public enum UnitCanonicalization
{
    None,

    /// <summary>Balance ‖a‖ = ‖b‖ and make the largest-|.| entry of a positive before clustering and averaging.</summary>
    BalanceAndSign,
}

/// <summary>Parameter reweighting: which norm of the joint vector [a ; b] a centroid is rescaled to match (its members' mean).</summary>
public enum ParameterReweighting
{
    L2,
    MaxAbs,
    Off,
}

/// <summary>Output reweighting of the merged module.</summary>
public enum OutputReweighting
{
    /// <summary>Multiply the module by √(r / k): r = mean source rank, k = merged unit count.</summary>
    SqrtRankRatio,
    Off,
}

/// <summary>Settings of the LoRA-LEGO merge beyond K (= MergeOptions.Rank) and the seed (= MergeOptions.Seed).</summary>
public sealed class LegoOptions
{
    public FeatureNormalization FeatureNormalization { get; set; } = FeatureNormalization.PerHalfL2;

    public UnitCanonicalization Canonicalize { get; set; } = UnitCanonicalization.BalanceAndSign;

    public ParameterReweighting ParameterReweighting { get; set; } = ParameterReweighting.L2;

    public OutputReweighting OutputReweighting { get; set; } = OutputReweighting.SqrtRankRatio;

    /// <summary>Fold each unit's scale into its vectors before pooling (needed when sources' scales differ).</summary>
    public bool FoldScales { get; set; } = true;

    /// <summary>
    /// Decorrelate the module's centroids as TSV-M does: each centroid s·b aᵀ becomes σ ū v̄ᵀ with σ = |s|‖b‖‖a‖
    /// and ū, v̄ the columns of the orthonormal polar factors of all centroids' directions (the orthonormal
    /// set closest to them, so centroid j stays cluster j's).
    /// </summary>
    public bool Decorrelate { get; set; }

    public int Restarts { get; set; } = 4;

    public int MaxIterations { get; set; } = 100;

    public double Tolerance { get; set; } = 1e-6;

    /// <summary>A member-wise copy (every setting as it is).</summary>
    public LegoOptions Copy() => (LegoOptions)MemberwiseClone();

    internal void Describe(IDictionary<string, string> d)
    {
        d["lego_feature_normalization"] = FeatureNormalization.ToString();
        d["lego_canonicalize"] = Canonicalize.ToString();
        d["lego_parameter_reweighting"] = ParameterReweighting.ToString();
        d["lego_output_reweighting"] = OutputReweighting.ToString();
        d["lego_fold_scales"] = FoldScales ? "true" : "false";
        if (Decorrelate) d["lego_decorrelate"] = "true";
        d["lego_restarts"] = Restarts.ToString(CultureInfo.InvariantCulture);
        d["lego_max_iterations"] = MaxIterations.ToString(CultureInfo.InvariantCulture);
        d["lego_tolerance"] = Tolerance.ToString("R", CultureInfo.InvariantCulture);
    }
}
