using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Measuring;

/// <summary>
/// How well a merged module stands for its sources. Ratios whose denominator is zero are NaN
/// (e.g. the relative error when the sources sum to zero).
/// </summary>
public sealed class ModuleMeasurement
{
    public ModuleMeasurement(string module, int mergedUnits, double mergedNorm, double sourceSumNorm, double relativeError, double energyCaptured, double effectiveRank, IReadOnlyList<SourceMeasurement> sources, string? merged = null)
    {
        Merged = merged;
        Module = module;
        MergedUnits = mergedUnits;
        MergedNorm = mergedNorm;
        SourceSumNorm = sourceSumNorm;
        RelativeError = relativeError;
        EnergyCaptured = energyCaptured;
        EffectiveRank = effectiveRank;
        Sources = sources;
    }

    /// <summary>The merged adapter's name, where the caller knows it (Measure-LoraMerge does).</summary>
    public string? Merged { get; }

    public string Module { get; }

    /// <summary>Rank of the merged block as stored (its unit count).</summary>
    public int MergedUnits { get; }

    /// <summary>The merged module's rank: its unit count (<see cref="MergedUnits"/>).</summary>
    public int Rank => MergedUnits;

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

    /// <summary>The lowest retention among the sources (0 without sources).</summary>
    public double MinRetention => Sources.Count == 0 ? 0 : Sources.Min(s => s.Retention);

    /// <summary>The sources' mean cosine with the merged delta (0 without sources).</summary>
    public double MeanCosine => Sources.Count == 0 ? 0 : Sources.Average(s => s.Cosine);

    /// <summary>The same measurement labelled with the merged adapter's name and with named sources.</summary>
    public ModuleMeasurement Labelled(string merged, IReadOnlyList<SourceMeasurement> sources) =>
        new(Module, MergedUnits, MergedNorm, SourceSumNorm, RelativeError, EnergyCaptured, EffectiveRank, sources, merged);
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
