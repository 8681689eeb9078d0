using System;
using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Analysis;

/// <summary>
/// Two adapters compared over the modules they share. The means weight each module by
/// ‖ΔW₁‖_F‖ΔW₂‖_F, so the mean cosine is Σ⟨ΔW₁,ΔW₂⟩ / Σ‖ΔW₁‖‖ΔW₂‖ and small modules count little.
/// </summary>
public sealed class AdapterSimilarity
{
    public AdapterSimilarity(string reference, string other, IReadOnlyList<ModuleSimilarity> modules, int onlyInReference, int onlyInOther)
    {
        Reference = reference ?? throw new ArgumentNullException(nameof(reference));
        Other = other ?? throw new ArgumentNullException(nameof(other));
        Modules = modules ?? throw new ArgumentNullException(nameof(modules));
        OnlyInReference = onlyInReference;
        OnlyInOther = onlyInOther;
        double weight = 0, inner = 0, columns = 0, rows = 0;
        foreach (var m in modules)
        {
            double w = m.ReferenceNorm * m.OtherNorm;
            if (!(w > 0)) continue;
            weight += w;
            inner += m.Inner;
            columns += w * m.ColumnOverlap;
            rows += w * m.RowOverlap;
        }

        var defined = modules.Where(m => !double.IsNaN(m.Cosine)).ToList();
        Cosine = weight > 0 ? Math.Max(-1, Math.Min(1, inner / weight)) : double.NaN;
        ColumnOverlap = weight > 0 ? columns / weight : double.NaN;
        RowOverlap = weight > 0 ? rows / weight : double.NaN;
        MinCosine = defined.Count > 0 ? defined.Min(m => m.Cosine) : double.NaN;
        MaxCosine = defined.Count > 0 ? defined.Max(m => m.Cosine) : double.NaN;
    }

    /// <summary>The first adapter's name (the -Reference one when given).</summary>
    public string Reference { get; }

    public string Other { get; }

    /// <summary>Per shared module, in natural name order.</summary>
    public IReadOnlyList<ModuleSimilarity> Modules { get; }

    public int SharedModules => Modules.Count;

    /// <summary>Modules (after the filters) only the reference has.</summary>
    public int OnlyInReference { get; }

    /// <summary>Modules (after the filters) only the other adapter has.</summary>
    public int OnlyInOther { get; }

    /// <summary>Energy-weighted mean cosine: Σ_m ⟨ΔW₁,ΔW₂⟩ / Σ_m ‖ΔW₁‖‖ΔW₂‖; NaN when no shared module has both deltas non-zero.</summary>
    public double Cosine { get; }

    public double MinCosine { get; }

    public double MaxCosine { get; }

    /// <summary>Energy-weighted mean of the modules' column-space overlaps.</summary>
    public double ColumnOverlap { get; }

    /// <summary>Energy-weighted mean of the modules' row-space overlaps.</summary>
    public double RowOverlap { get; }

    public override string ToString() => $"{Reference} ~ {Other}: cos {Cosine:F4} over {SharedModules} modules";
}
