using System.Threading;
using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// Iso-C (Marczak et al., ICML 2025, "No task left behind: isotropic model merging"): the SVD of the
/// task-arithmetic sum Σ_i ΔW_i with every singular value replaced by their mean, so no direction (and
/// no task living in the weaker directions) is drowned by the dominant ones. The SVD is the factored
/// SVD of all sources' units; the mean runs over the kept singular values, i.e. over the nonzero
/// spectrum of the sum (a full-size task vector's spectrum also counts its near-zero tail, which only
/// rescales the result: the paper tunes a global α anyway). Output rank: <see cref="MergeOptions.Rank"/>
/// (the sum truncated first), by default the rank of the sum. A module with one source (an adapter
/// that targets a layer the others leave alone) has no other task to make room for: it comes out as
/// that source's own SVD (truncated to the rank), not flattened.
/// </summary>
public sealed class IsoCMethod : IMergeMethod
{
    public const string MethodName = "IsoC";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        ModuleInputChecks.Validate(input);
        if (options is null) throw new System.ArgumentNullException(nameof(options));
        int rank = ModuleInputChecks.RankOrDefault(input, options, int.MaxValue);
        var pool = UnitBlockOps.Concatenate(input.Sources);
        cancellationToken.ThrowIfCancellationRequested();
        var sum = FactoredSvd.Compute(pool.A, pool.BT, pool.Scale, input.InFeatures, input.OutFeatures, rank);
        return UnitBlockOps.FromSvd(input.Sources.Count == 1 ? sum : sum.Isotropic());
    }
}
