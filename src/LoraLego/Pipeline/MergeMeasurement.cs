using System.Collections.Generic;
using System.Linq;
using LoraLego.Measuring;

namespace LoraLego.Pipeline;

/// <summary>A merged adapter's module measured against the sum of its sources' deltas.</summary>
public sealed class ModuleMergeMeasurement
{
    public ModuleMergeMeasurement(string merged, string module, int rank, double mergedNorm, double sourceSumNorm, double relativeError,
        double energyCaptured, double effectiveRank, IReadOnlyList<SourceMeasurement> sources)
    {
        Merged = merged;
        Module = module;
        Rank = rank;
        MergedNorm = mergedNorm;
        SourceSumNorm = sourceSumNorm;
        RelativeError = relativeError;
        EnergyCaptured = energyCaptured;
        EffectiveRank = effectiveRank;
        Sources = sources;
    }

    public string Merged { get; }

    public string Module { get; }

    /// <summary>Rank of the merged module (its unit count).</summary>
    public int Rank { get; }

    public double MergedNorm { get; }

    public double SourceSumNorm { get; }

    /// <summary>‖ΔM − ΣΔS‖ / ‖ΣΔS‖.</summary>
    public double RelativeError { get; }

    /// <summary>Share of ‖ΣΔS‖² inside the merged delta's column and row spaces.</summary>
    public double EnergyCaptured { get; }

    /// <summary>exp of the entropy of the merged delta's normalised singular values.</summary>
    public double EffectiveRank { get; }

    public IReadOnlyList<SourceMeasurement> Sources { get; }

    public double MinRetention => Sources.Count == 0 ? 0 : Sources.Min(s => s.Retention);

    public double MeanCosine => Sources.Count == 0 ? 0 : Sources.Average(s => s.Cosine);
}

/// <summary>A merged adapter measured as a whole: the modules' figures pooled by their norms.</summary>
public sealed class MergeSummary
{
    public MergeSummary(string merged, int moduleCount, double relativeError, double energyCaptured, double meanEffectiveRank, IReadOnlyList<SourceMeasurement> sources)
    {
        Merged = merged;
        ModuleCount = moduleCount;
        RelativeError = relativeError;
        EnergyCaptured = energyCaptured;
        MeanEffectiveRank = meanEffectiveRank;
        Sources = sources;
    }

    public string Merged { get; }

    public int ModuleCount { get; }

    /// <summary>√(Σ‖ΔM − ΣΔS‖²) / √(Σ‖ΣΔS‖²) over modules.</summary>
    public double RelativeError { get; }

    public double EnergyCaptured { get; }

    public double MeanEffectiveRank { get; }

    /// <summary>Per source: retention and cosine pooled over the modules it has.</summary>
    public IReadOnlyList<SourceMeasurement> Sources { get; }
}
