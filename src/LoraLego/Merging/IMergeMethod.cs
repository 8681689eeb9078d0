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

    /// <summary>Options as name=value pairs, written into the output's provenance metadata.</summary>
    public IDictionary<string, string> Describe(string method)
    {
        var d = new SortedDictionary<string, string> { ["method"] = method, ["seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (Rank is int r) d["rank"] = r.ToString(System.Globalization.CultureInfo.InvariantCulture);
        d["density"] = Density.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        d["sign_election"] = SignElection.ToString();
        if (string.Equals(method, LegoMethod.MethodName, System.StringComparison.OrdinalIgnoreCase)) Lego.Describe(d);
        if (method == "knots") d["knots_merge"] = KnotsMerge.ToString();
        return d;
    }
}

public enum SignElection
{
    Total,
    Frequency,
}
