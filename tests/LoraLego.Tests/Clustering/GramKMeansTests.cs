using System;
using System.Linq;
using LoraLego.Clustering;
using LoraLego.Linalg;
using LoraLego.Tests.Merging;
using Xunit;

namespace LoraLego.Tests.Clustering;

public class GramKMeansTests
{
    [Fact]
    public void SplitMix64MatchesTheReferenceSequence()
    {
        // First outputs of Vigna's splitmix64.c seeded with 0.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
    }

    [Fact]
    public void RecoversWellSeparatedClusters()
    {
        const int k = 5, perCluster = 8, dim = 40;
        var rng = new Random(11);
        var centres = new double[k][];
        for (int c = 0; c < k; c++) centres[c] = Enumerable.Range(0, dim).Select(_ => 10 * UnitTestData.Gaussian(rng)).ToArray();

        // Shuffled membership so recovery is not an artefact of index order.
        var truth = Enumerable.Range(0, k * perCluster).Select(i => i % k).OrderBy(_ => rng.Next()).ToArray();
        var points = new float[truth.Length * dim];
        for (int i = 0; i < truth.Length; i++)
        {
            for (int x = 0; x < dim; x++) points[(i * dim) + x] = (float)(centres[truth[i]][x] + (0.1 * UnitTestData.Gaussian(rng)));
        }

        var gram = GramMatrix.Compute(points, truth.Length, dim);
        var result = GramKMeans.Cluster(gram, truth.Length, new KMeansOptions { K = k, Seed = 7 });

        for (int i = 0; i < truth.Length; i++)
        {
            for (int j = 0; j < truth.Length; j++)
            {
                Assert.Equal(truth[i] == truth[j], result.Assignment[i] == result.Assignment[j]);
            }
        }

        Assert.Equal(ExplicitInertia(points, dim, result.Assignment, k), result.TotalInertia, 1e-6 * result.TotalInertia);
    }

    [Fact]
    public void InertiaEqualsSquaredDistancesToExplicitMeans()
    {
        var rng = new Random(12);
        const int n = 30, dim = 6;
        var points = new float[n * dim];
        for (int i = 0; i < points.Length; i++) points[i] = (float)UnitTestData.Gaussian(rng);
        var result = GramKMeans.Cluster(GramMatrix.Compute(points, n, dim), n, new KMeansOptions { K = 4, Seed = 1 });

        Assert.Equal(ExplicitInertia(points, dim, result.Assignment, 4), result.TotalInertia, 1e-9);
        Assert.Equal(result.ClusterInertia.Sum(), result.TotalInertia, 12);
        Assert.Equal(4, result.Assignment.Distinct().Count());
    }

    [Fact]
    public void SameSeedGivesBitIdenticalResultsAndOtherSeedsMayDiffer()
    {
        var rng = new Random(13);
        const int n = 50, dim = 8;
        var points = new float[n * dim];
        for (int i = 0; i < points.Length; i++) points[i] = (float)UnitTestData.Gaussian(rng);
        var gram = GramMatrix.Compute(points, n, dim);
        var options = new KMeansOptions { K = 6, Seed = 42, Restarts = 3 };
        var first = GramKMeans.Cluster(gram, n, options);
        var second = GramKMeans.Cluster(gram, n, options);
        Assert.Equal(first.Assignment, second.Assignment);
        Assert.Equal(first.ClusterInertia, second.ClusterInertia);
        Assert.Equal(first.Iterations, second.Iterations);
    }

    [Fact]
    public void MoreRestartsNeverGiveHigherInertia()
    {
        var rng = new Random(14);
        const int n = 60, dim = 5;
        var points = new float[n * dim];
        for (int i = 0; i < points.Length; i++) points[i] = (float)UnitTestData.Gaussian(rng);
        var gram = GramMatrix.Compute(points, n, dim);
        var one = GramKMeans.Cluster(gram, n, new KMeansOptions { K = 7, Seed = 3, Restarts = 1 });
        var eight = GramKMeans.Cluster(gram, n, new KMeansOptions { K = 7, Seed = 3, Restarts = 8 });
        Assert.True(eight.TotalInertia <= one.TotalInertia);
    }

    [Fact]
    public void DuplicatePointsStillGiveKNonEmptyClusters()
    {
        // Six points, only two distinct: K = 4 forces clusters of identical points.
        var points = new float[] { 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1 };
        var result = GramKMeans.Cluster(GramMatrix.Compute(points, 6, 2), 6, new KMeansOptions { K = 4, Seed = 0 });
        Assert.Equal(4, result.Assignment.Distinct().Count());
        Assert.Equal(0.0, result.TotalInertia, 12);
    }

    [Fact]
    public void KEqualToCountPutsEveryPointAlone()
    {
        var points = new float[] { 0, 0, 1, 0, 0, 1, 3, 3 };
        var result = GramKMeans.Cluster(GramMatrix.Compute(points, 4, 2), 4, new KMeansOptions { K = 4, Seed = 9 });
        Assert.Equal(4, result.Assignment.Distinct().Count());
        Assert.Equal(0.0, result.TotalInertia, 12);
    }

    [Fact]
    public void MaxIterationsBoundsTheLloydLoop()
    {
        var rng = new Random(15);
        const int n = 80, dim = 4;
        var points = new float[n * dim];
        for (int i = 0; i < points.Length; i++) points[i] = (float)UnitTestData.Gaussian(rng);
        var gram = GramMatrix.Compute(points, n, dim);
        var capped = GramKMeans.Cluster(gram, n, new KMeansOptions { K = 9, Seed = 2, Restarts = 1, MaxIterations = 1 });
        var free = GramKMeans.Cluster(gram, n, new KMeansOptions { K = 9, Seed = 2, Restarts = 1, Tolerance = 0 });
        Assert.Equal(1, capped.Iterations);
        Assert.True(free.Iterations > 1);
        Assert.True(free.TotalInertia <= capped.TotalInertia);
        Assert.Equal(ExplicitInertia(points, dim, capped.Assignment, 9), capped.TotalInertia, 1e-9);
    }

    [Fact]
    public void RejectsKOutOfRange()
    {
        var gram = new double[] { 1, 0, 0, 1 };
        Assert.Throws<ArgumentOutOfRangeException>(() => GramKMeans.Cluster(gram, 2, new KMeansOptions { K = 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => GramKMeans.Cluster(gram, 2, new KMeansOptions { K = 0 }));
    }

    private static double ExplicitInertia(float[] points, int dim, int[] assignment, int k)
    {
        double total = 0;
        for (int c = 0; c < k; c++)
        {
            var members = Enumerable.Range(0, assignment.Length).Where(i => assignment[i] == c).ToArray();
            var mean = new double[dim];
            foreach (int i in members) for (int x = 0; x < dim; x++) mean[x] += points[(i * dim) + x] / (double)members.Length;
            foreach (int i in members) for (int x = 0; x < dim; x++) total += Math.Pow(points[(i * dim) + x] - mean[x], 2);
        }

        return total;
    }
}
