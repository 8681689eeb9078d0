using System.Collections.Generic;
using System.Linq;
using LoraLego.Measuring;

namespace LoraLego.Pipeline;

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
