namespace LoraLego.Clustering;

/// <summary>A partition of n points into K non-empty clusters; centroids are the means of the members.</summary>
public sealed class KMeansResult
{
    public KMeansResult(int[] assignment, int k, double[] clusterInertia, int iterations, int restart)
    {
        Assignment = assignment;
        K = k;
        ClusterInertia = clusterInertia;
        double total = 0;
        foreach (double x in clusterInertia) total += x;
        TotalInertia = total;
        Iterations = iterations;
        Restart = restart;
    }

    /// <summary>Cluster index (0..K-1) of each point.</summary>
    public int[] Assignment { get; }

    public int K { get; }

    /// <summary>Σ over a cluster's members of the squared distance to its mean.</summary>
    public double[] ClusterInertia { get; }

    public double TotalInertia { get; }

    /// <summary>Lloyd iterations run by the winning start.</summary>
    public int Iterations { get; }

    /// <summary>Index of the winning start.</summary>
    public int Restart { get; }
}
