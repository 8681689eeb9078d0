using System.Threading;
using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// Best rank-k approximation (Eckart–Young) of Σ_i s_i B_i A_i, computed from the factors by
/// <see cref="FactoredSvd"/>; the d_out × d_in matrix is never formed. Each source's scale enters the core
/// once. Output units carry √σ on both sides and scale 1. k = <see cref="MergeOptions.Rank"/>, default the
/// largest source rank; fewer units come out when the sum has fewer singular values than k.
/// </summary>
public sealed class SvdMethod : IMergeMethod
{
    public const string MethodName = "Svd";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        ModuleInputChecks.Validate(input);
        int k = ModuleInputChecks.RankOrDefault(input, options, ModuleInputChecks.MaxSourceRank(input));
        cancellationToken.ThrowIfCancellationRequested();
        var pool = UnitBlockOps.Concatenate(input.Sources);
        var svd = FactoredSvd.Compute(pool.A, pool.BT, pool.Scale, input.InFeatures, input.OutFeatures, k);
        return UnitBlockOps.FromSvd(svd);
    }
}
