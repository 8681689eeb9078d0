using System.Collections.Generic;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>One merged unit's cluster: which source units it stands for.</summary>
public sealed class ClusterInfo
{
    public ClusterInfo(int index, IReadOnlyList<UnitRef> members, double inertia, double reweightFactor)
    {
        Index = index;
        Members = members;
        Inertia = inertia;
        ReweightFactor = reweightFactor;
    }

    /// <summary>Index of the centroid in <see cref="LegoModuleResult.Centroids"/>.</summary>
    public int Index { get; }

    /// <summary>Members as (source index, unit index), ascending.</summary>
    public IReadOnlyList<UnitRef> Members { get; }

    public int MemberCount => Members.Count;

    /// <summary>Σ over members of the squared feature-space distance to the cluster mean (0 for a single member).</summary>
    public double Inertia { get; }

    /// <summary>Factor the parameter reweighting applied to both halves of the centroid (1 when off or for a single member).</summary>
    public double ReweightFactor { get; }
}

/// <summary>A module merged by LoRA-LEGO: the centroids as units, and what each one is made of.</summary>
public sealed class LegoModuleResult
{
    public LegoModuleResult(UnitBlock centroids, IReadOnlyList<ClusterInfo> clusters, double outputFactor, int iterations)
    {
        Centroids = centroids;
        Clusters = clusters;
        OutputFactor = outputFactor;
        Iterations = iterations;
    }

    /// <summary>The merged units; Scale holds the output reweighting factor (times the mean member scale when scales are not folded).</summary>
    public UnitBlock Centroids { get; }

    public IReadOnlyList<ClusterInfo> Clusters { get; }

    /// <summary>√(r/k) with output reweighting on, else 1.</summary>
    public double OutputFactor { get; }

    /// <summary>Lloyd iterations of the winning k-means start (0 when units passed through).</summary>
    public int Iterations { get; }
}
