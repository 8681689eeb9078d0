using System;
using System.Threading;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// LoRA-LEGO's clustering with TSV-M's decorrelation (a variant measured in docs/benchmarks.md): the
/// module's units are clustered as <see cref="LegoMethod"/> does, then the k centroids, each taken as
/// a triplet (b/‖b‖, s‖b‖‖a‖, a/‖a‖), have their output and input directions replaced by the
/// orthonormal polar factors of the stacked directions (<see cref="SingularTriplets.Decorrelated"/>),
/// each keeping its own σ. Clusters that still overlap stop adding up in the shared directions.
/// </summary>
public sealed class LegoDecorrelatedMethod : IMergeMethod
{
    public const string MethodName = "LegoDecorrelated";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        if (options is null) throw new ArgumentNullException(nameof(options));
        var centroids = LegoClusterer.Cluster(input, options, cancellationToken).Centroids;
        var triplets = new SingularTriplets();
        for (int j = 0; j < centroids.Count; j++) triplets.Add(centroids.UnitB(j), centroids.UnitA(j), centroids.Scale[j]);
        cancellationToken.ThrowIfCancellationRequested();
        return UnitBlockOps.FromSvd(triplets.Decorrelated(triplets.Sigma, input.InFeatures, input.OutFeatures, Math.Max(1, triplets.Count)));
    }
}
