using LoraLego.Merging.Dense;

namespace LoraLego.Merging;

/// <summary>
/// PEFT's magnitude_prune_svd: keep each ΔW_i's top-Density fraction by magnitude, sum, reduce to Rank.
/// </summary>
public sealed class MagnitudePruneMethod : TaskVectorMethod
{
    public override string Name => "magnitude_prune";

    private protected override TaskVectorRecipe Recipe(MergeOptions options) => new(TrimKind.Magnitude, false, options.Density, options.SignElection);
}
