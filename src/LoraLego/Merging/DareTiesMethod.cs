using LoraLego.Merging.Dense;

namespace LoraLego.Merging;

/// <summary>
/// DARE drop-and-rescale followed by TIES sign election and disjoint mean (PEFT's dare_ties_svd).
/// </summary>
public sealed class DareTiesMethod : TaskVectorMethod
{
    public override string Name => "dare_ties";

    private protected override TaskVectorRecipe Recipe(MergeOptions options) => new(TrimKind.RandomDrop, true, options.Density, options.SignElection);
}
