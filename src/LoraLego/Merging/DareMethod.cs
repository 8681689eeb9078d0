using LoraLego.Merging.Dense;

namespace LoraLego.Merging;

/// <summary>
/// DARE (Yu et al. 2023) as PEFT's dare_linear_svd: drop each entry of ΔW_i with probability
/// 1 − Density (seeded), rescale survivors by 1/Density, sum, reduce to Rank.
/// </summary>
public sealed class DareMethod : TaskVectorMethod
{
    public override string Name => "dare";

    private protected override TaskVectorRecipe Recipe(MergeOptions options) => new(TrimKind.RandomDrop, false, options.Density, options.SignElection);
}
