using System;
using System.Threading;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// LoRA-LEGO with its centroids decorrelated as TSV-M does (<see cref="LegoOptions.Decorrelate"/>,
/// what Invoke-LoraCluster -Decorrelate does): clusters that still overlap stop adding up in the
/// directions they share. Every other Lego setting from <see cref="MergeOptions.Lego"/>.
/// </summary>
public sealed class LegoDecorrelatedMethod : IMergeMethod
{
    public const string MethodName = "LegoDecorrelated";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        if (options is null) throw new ArgumentNullException(nameof(options));
        var decorrelated = options.WithRank(options.Rank);
        decorrelated.Lego = options.Lego.Copy();
        decorrelated.Lego.Decorrelate = true;
        return LegoClusterer.Cluster(input, decorrelated, cancellationToken).Centroids;
    }
}
