using System.Collections.Generic;

namespace LoraLego.Measuring;

/// <summary>
/// How well a merged module stands for its sources. Ratios whose denominator is zero are NaN
/// (e.g. the relative error when the sources sum to zero).
/// </summary>
public sealed class ModuleMeasurement
{
    public ModuleMeasurement(string module, int mergedUnits, double mergedNorm, double sourceSumNorm, double relativeError, double energyCaptured, double effectiveRank, IReadOnlyList<SourceMeasurement> sources)
    {
        Module = module;
        MergedUnits = mergedUnits;
        MergedNorm = mergedNorm;
        SourceSumNorm = sourceSumNorm;
        RelativeError = relativeError;
        EnergyCaptured = energyCaptured;
        EffectiveRank = effectiveRank;
        Sources = sources;
    }

    public string Module { get; }

    /// <summary>Rank of the merged block as stored (its unit count).</summary>
    public int MergedUnits { get; }

    /// <summary>‖ΔM‖_F.</summary>
    public double MergedNorm { get; }

    /// <summary>‖Σ_i ΔS_i‖_F.</summary>
    public double SourceSumNorm { get; }

    /// <summary>‖ΔM − Σ_i ΔS_i‖_F / ‖Σ_i ΔS_i‖_F: 0 for an exact sum (concat).</summary>
    public double RelativeError { get; }

    /// <summary>‖P_U (Σ ΔS_i) P_V‖²_F / ‖Σ ΔS_i‖²_F with P_U, P_V the projectors on ΔM's column and row spaces.</summary>
    public double EnergyCaptured { get; }

    /// <summary>exp(H(p)) with p = σ/Σσ over ΔM's singular values (Roy and Vetterli 2007); 0 for a zero delta.</summary>
    public double EffectiveRank { get; }

    public IReadOnlyList<SourceMeasurement> Sources { get; }
}

/// <summary>How much of one source survives in the merged module.</summary>
public sealed class SourceMeasurement
{
    public SourceMeasurement(int index, double norm, double retention, double cosine, string? source = null)
    {
        Index = index;
        Norm = norm;
        Retention = retention;
        Cosine = cosine;
        Source = source;
    }

    /// <summary>Position of the source in the merge input.</summary>
    public int Index { get; }

    /// <summary>The source adapter's name, where the caller knows it (Measure-LoraMerge does).</summary>
    public string? Source { get; }

    /// <summary>‖ΔS_i‖_F (with its weight and scale).</summary>
    public double Norm { get; }

    /// <summary>‖P_U ΔS_i P_V‖_F / ‖ΔS_i‖_F: 1 when the source lies inside the merged delta's column and row spaces, 0 when orthogonal to either.</summary>
    public double Retention { get; }

    /// <summary>⟨ΔM, ΔS_i⟩_F / (‖ΔM‖_F ‖ΔS_i‖_F).</summary>
    public double Cosine { get; }

    /// <summary>The same measurement labelled with its adapter's name.</summary>
    public SourceMeasurement Named(string source) => new(Index, Norm, Retention, Cosine, source);
}
