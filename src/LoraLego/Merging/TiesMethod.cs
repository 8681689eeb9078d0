using LoraLego.Merging.Dense;

namespace LoraLego.Merging;

/// <summary>
/// TIES (Yadav et al. 2023) as PEFT's ties_svd: keep each ΔW_i's top-Density fraction by
/// magnitude, elect a sign per entry (SignElection), average the entries that agree, reduce to Rank.
/// </summary>
public sealed class TiesMethod : TaskVectorMethod
{
    public override string Name => "ties";

    private protected override TaskVectorRecipe Recipe(MergeOptions options) => new(TrimKind.Magnitude, true, options.Density, options.SignElection);
}
