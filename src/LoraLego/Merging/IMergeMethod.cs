using System.Collections.Generic;
using System.Threading;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// One merge method (one file per method, registered in <see cref="MergeMethodRegistry"/>).
/// A method merges one module at a time: the sources' units in, the merged module's units out.
/// Scales (α/r times user weights) are already in each source block's Scale.
/// </summary>
public interface IMergeMethod
{
    /// <summary>Name as the user types it (-Method) and as written into provenance metadata.</summary>
    string Name { get; }

    UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken);
}

/// <summary>The units of one module, grouped by source adapter (in input order).</summary>
public sealed class ModuleMergeInput
{
    public ModuleMergeInput(string module, int inFeatures, int outFeatures, IReadOnlyList<UnitBlock> sources)
    {
        Module = module;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Sources = sources;
    }

    public string Module { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public IReadOnlyList<UnitBlock> Sources { get; }
}

/// <summary>Options shared by the methods; each method reads the ones it uses and records them.</summary>
public sealed class MergeOptions
{
    /// <summary>Target rank; null means the method's natural rank (e.g. the pool size for Concat).</summary>
    public int? Rank { get; set; }

    public double Density { get; set; } = 0.5;

    public SignElection SignElection { get; set; } = SignElection.Total;

    public int Seed { get; set; }

    /// <summary>Settings of the Lego method (its K is <see cref="Rank"/>, its seed <see cref="Seed"/>).</summary>
    public LegoOptions Lego { get; set; } = new LegoOptions();

    /// <summary>How KnOTS merges the per-source V blocks of the shared SVD basis.</summary>
    public KnotsMerge KnotsMerge { get; set; } = KnotsMerge.Ties;

    /// <summary>
    /// TSV-M: the fraction f of the module's singular-value count min(d_out, d_in) each source keeps
    /// (its top ⌊f·min(d_out, d_in)⌋ singular triplets, at least one, at most its rank); null means 1/T
    /// for T sources (the paper's default).
    /// </summary>
    public double? TaskFraction { get; set; }

    /// <summary>Iso-CTS: the fraction of the output rank given to the common subspace (the top directions of the sum); the rest is split among the sources.</summary>
    public double CommonSpaceFraction { get; set; } = 0.8;

    /// <summary>Core Space merging: the method run on the sources' core matrices (any registered method but CoreSpace itself).</summary>
    public string CoreSpaceMerge { get; set; } = TsvMethod.MethodName;

    /// <summary>How the merged module's output is scaled after the method (<see cref="OutputScaleRule"/>); the engine's default is the method's own output.</summary>
    public OutputScaleRule OutputScale { get; set; } = OutputScaleRule.AsMerged;

    /// <summary>A copy with another <see cref="Rank"/> and every other option as it is (a member-wise copy, so no option can be forgotten).</summary>
    public MergeOptions WithRank(int? rank)
    {
        var copy = (MergeOptions)MemberwiseClone();
        copy.Rank = rank;
        return copy;
    }

    /// <summary>Options as name=value pairs, written into the output's provenance metadata.</summary>
    public IDictionary<string, string> Describe(string method)
    {
        var d = new SortedDictionary<string, string> { ["method"] = method, ["seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (Rank is int r) d["rank"] = r.ToString(System.Globalization.CultureInfo.InvariantCulture);
        d["density"] = Density.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        d["sign_election"] = SignElection.ToString();
        if (OutputScale != OutputScaleRule.AsMerged) d["output_scale"] = OutputScale.ToString();
        if (Is(method, LegoMethod.MethodName) || Is(method, LegoDecorrelatedMethod.MethodName)) Lego.Describe(d);
        if (string.Equals(method, "knots", System.StringComparison.OrdinalIgnoreCase)) d["knots_merge"] = KnotsMerge.ToString();
        if (Is(method, TsvMethod.MethodName) || (Is(method, CoreSpaceMethod.MethodName) && Is(CoreSpaceMerge, TsvMethod.MethodName)))
            d["task_fraction"] = TaskFraction is double f ? f.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1/T";
        if (Is(method, IsoCtsMethod.MethodName) || (Is(method, CoreSpaceMethod.MethodName) && Is(CoreSpaceMerge, IsoCtsMethod.MethodName)))
            d["common_space_fraction"] = CommonSpaceFraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        if (Is(method, CoreSpaceMethod.MethodName))
        {
            d["core_space_merge"] = CoreSpaceMerge;
            if (Is(CoreSpaceMerge, "knots")) d["knots_merge"] = KnotsMerge.ToString();
            if (Is(CoreSpaceMerge, LegoMethod.MethodName)) Lego.Describe(d);
        }

        return d;
    }

    /// <summary>Whether two method names denote the same method (the registry's rule: case, '_' and '-' ignored).</summary>
    private static bool Is(string? a, string b) =>
        a is not null && string.Equals(MergeMethodRegistry.Key(a), MergeMethodRegistry.Key(b), System.StringComparison.OrdinalIgnoreCase);
}

public enum SignElection
{
    Total,
    Frequency,
}
