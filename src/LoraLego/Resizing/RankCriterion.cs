namespace LoraLego.Resizing;

/// <summary>How Resize-LoraAdapter chooses each module's new rank from its singular values σ_1 ≥ σ_2 ≥ ….</summary>
public enum RankCriterion
{
    /// <summary>The same rank k for every module (modules of lower rank keep theirs).</summary>
    Fixed,

    /// <summary>
    /// kohya's sv_fro: the smallest k whose truncation keeps a Frobenius norm ratio ‖ΔW_k‖_F / ‖ΔW‖_F ≥ p,
    /// i.e. energy Σ_{i≤k} σ_i² / Σ σ_i² ≥ p².
    /// </summary>
    Frobenius,

    /// <summary>kohya's sv_ratio: keep every σ_i ≥ σ_1 / q (q ≥ 1).</summary>
    SingularValueRatio,

    /// <summary>kohya's sv_cumulative: the smallest k with Σ_{i≤k} σ_i / Σ σ_i ≥ p.</summary>
    Cumulative,
}
