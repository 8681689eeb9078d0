using System;

namespace LoraLego.Analysis;

/// <summary>
/// How alike two adapters' deltas of one module are. Cosine is NaN when either delta is zero; an
/// overlap is 0 when either space is empty.
/// </summary>
public sealed class ModuleSimilarity
{
    public ModuleSimilarity(string reference, string other, string module, double referenceNorm, double otherNorm, double inner, double columnOverlap, double rowOverlap)
    {
        Reference = reference ?? throw new ArgumentNullException(nameof(reference));
        Other = other ?? throw new ArgumentNullException(nameof(other));
        Module = module ?? throw new ArgumentNullException(nameof(module));
        ReferenceNorm = referenceNorm;
        OtherNorm = otherNorm;
        Inner = inner;
        double denominator = referenceNorm * otherNorm;
        Cosine = denominator > 0 ? Math.Max(-1, Math.Min(1, inner / denominator)) : double.NaN;
        ColumnOverlap = columnOverlap;
        RowOverlap = rowOverlap;
    }

    /// <summary>The first adapter's name (the -Reference one when given).</summary>
    public string Reference { get; }

    /// <summary>The second adapter's name.</summary>
    public string Other { get; }

    public string Module { get; }

    /// <summary>‖ΔW₁‖_F (with the module's scale).</summary>
    public double ReferenceNorm { get; }

    /// <summary>‖ΔW₂‖_F.</summary>
    public double OtherNorm { get; }

    /// <summary>⟨ΔW₁, ΔW₂⟩_F = trace((B₁ᵀB₂)(A₂A₁ᵀ)) with the scales folded into the factors.</summary>
    public double Inner { get; }

    /// <summary>⟨ΔW₁, ΔW₂⟩_F / (‖ΔW₁‖_F ‖ΔW₂‖_F), in [−1, 1]; NaN when either delta is zero.</summary>
    public double Cosine { get; }

    /// <summary>
    /// Mean squared cosine of the principal angles between the two column spaces (output side):
    /// ‖U₁ᵀU₂‖²_F / min(k₁, k₂), U_j the left singular vectors of ΔW_j with σ > 1e-6·σ₁. 1 when one
    /// space contains the other, 0 when they are orthogonal.
    /// </summary>
    public double ColumnOverlap { get; }

    /// <summary>The same for the row spaces (input side), from the right singular vectors.</summary>
    public double RowOverlap { get; }

    /// <summary>Index of the pair in the <see cref="SimilarityPlan"/> that made it (-1 when made alone).</summary>
    internal int Pair { get; set; } = -1;

    public override string ToString() => $"{Module}: cos {Cosine:F4}, columns {ColumnOverlap:F4}, rows {RowOverlap:F4}";
}
