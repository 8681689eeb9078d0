using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Pipeline;

/// <summary>
/// Invoke-LoraCluster's work on one module: the pooled units are clustered (LoRA-LEGO) and each
/// centroid becomes a unit that remembers its cluster, its members and their adapters. The module's
/// centroids are scaled together by <see cref="MergeOptions.OutputScale"/> (against the module's sources).
/// </summary>
public static class ClusterStage
{
    public const string CentroidAdapterLabel = "Lego";

    public static IReadOnlyList<LoraUnit> Run(ModulePool pool, MergeOptions options, CancellationToken cancellationToken) =>
        Run(pool, options, null, cancellationToken);

    /// <summary>As <see cref="Run(ModulePool, MergeOptions, CancellationToken)"/>, reading factors into <paramref name="recycler"/>'s arrays (one per stage).</summary>
    public static IReadOnlyList<LoraUnit> Run(ModulePool pool, MergeOptions options, FactorRecycler? recycler, CancellationToken cancellationToken)
    {
        var input = pool.ToMergeInput(cancellationToken, recycler);
        LegoModuleResult result;
        double outputScale;
        try
        {
            // The centroids own fresh arrays: nothing of the sources' factors outlives this call.
            result = LegoClusterer.Cluster(input, options, cancellationToken);
            outputScale = OutputScale.Factor(input, result.Centroids, options.OutputScale);
        }
        finally
        {
            recycler?.Return(input.Sources);
        }

        var bySource = pool.SourceUnits();
        var madeWith = options.Describe(LegoMethod.MethodName);
        var centroids = new List<LoraUnit>(result.Centroids.Count);
        for (int j = 0; j < result.Centroids.Count; j++)
        {
            var info = result.Clusters[j];
            var memberUnits = info.Members.Select(r => bySource[r.SourceIndex][r.UnitIndex]).ToList();
            var members = memberUnits.SelectMany(u => u.Members).ToList();
            var origins = memberUnits.SelectMany(u => u.Origins).Distinct().ToList();
            var details = new ClusterDetails(j, members, info.Inertia);
            centroids.Add(new LoraUnit(CentroidAdapterLabel, memberUnits[0].Template, j,
                result.Centroids.UnitA(j).ToArray(), result.Centroids.UnitB(j).ToArray(), result.Centroids.Scale[j] * outputScale,
                LegoMethod.MethodName, origins, new Dictionary<string, string>(madeWith), details));
        }

        return centroids;
    }

    /// <summary>A copy of the options with the module's own k (null: the method's default).</summary>
    public static MergeOptions ForModule(MergeOptions options, RankSelector ranks, string module) => options.WithRank(ranks.For(module) ?? options.Rank);
}
