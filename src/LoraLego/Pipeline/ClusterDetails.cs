using System.Collections.Generic;

namespace LoraLego.Pipeline;

/// <summary>What a centroid unit stands for: its cluster, the members and how tight they were.</summary>
public sealed class ClusterDetails
{
    public ClusterDetails(int cluster, IReadOnlyList<UnitMember> members, double inertia)
    {
        Cluster = cluster;
        Members = members;
        Inertia = inertia;
    }

    public int Cluster { get; }

    public IReadOnlyList<UnitMember> Members { get; }

    public int MemberCount => Members.Count;

    /// <summary>Sum of the members' squared distances to the centroid in the clustering feature space.</summary>
    public double Inertia { get; }
}
