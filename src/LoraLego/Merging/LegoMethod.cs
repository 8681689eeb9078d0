using System.Threading;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>LoRA-LEGO (Zhao et al., arXiv 2409.16167): rank-wise clustering, see <see cref="LegoClusterer"/>. Settings in <see cref="MergeOptions.Lego"/>.</summary>
public sealed class LegoMethod : IMergeMethod
{
    public const string MethodName = "Lego";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken) =>
        LegoClusterer.Cluster(input, options, cancellationToken).Centroids;
}
