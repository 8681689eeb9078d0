using System;
using System.Linq;
using System.Threading;
using LoraLego.Linalg;
using LoraLego.Merging;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Merging;

public class LegoMethodTests
{
    private const int In = 40, Out = 30;

    private static MergeOptions Options(int? rank, ParameterReweighting parameter = ParameterReweighting.L2, OutputReweighting output = OutputReweighting.SqrtRankRatio, int seed = 0)
    {
        var o = new MergeOptions { Rank = rank, Seed = seed };
        o.Lego.ParameterReweighting = parameter;
        o.Lego.OutputReweighting = output;
        return o;
    }

    private static ModuleMergeInput Sources(int seed, params int[] ranks)
    {
        var rng = new Random(seed);
        return new ModuleMergeInput("m", In, Out, ranks.Select((r, i) => UnitTestData.RandomBlock(rng, r, In, Out, i % 2 == 0 ? 0.5 : -1.5)).ToArray());
    }

    /// <summary>
    /// One LoRA whose 8 units are 4 directions, each twice: (b, a) then (−1.3·b, −a/1.3) plus 1% noise, so each
    /// pair adds up to about 2·b aᵀ. Unit order d0, d0', d1, d1', …
    /// </summary>
    private static UnitBlock PairedUnits(int seed)
    {
        var rng = new Random(seed);
        var baseBlock = UnitTestData.RandomBlock(rng, 4, In, Out, 1.0);
        var a = new float[8 * In];
        var bt = new float[8 * Out];
        for (int d = 0; d < 4; d++)
        {
            for (int x = 0; x < In; x++)
            {
                float v = baseBlock.A[(d * In) + x];
                a[(2 * d * In) + x] = v;
                a[(((2 * d) + 1) * In) + x] = (float)((-v / 1.3) + (0.01 * UnitTestData.Gaussian(rng)));
            }

            for (int x = 0; x < Out; x++)
            {
                float v = baseBlock.BT[(d * Out) + x];
                bt[(2 * d * Out) + x] = v;
                bt[(((2 * d) + 1) * Out) + x] = (float)((-1.3 * v) + (0.001 * UnitTestData.Gaussian(rng)));
            }
        }

        return new UnitBlock(In, Out, a, bt, Enumerable.Repeat(1.0, 8).ToArray());
    }

    [Fact]
    public void KAtLeastPoolSizeWithReweightingOffIsExactlyConcat()
    {
        var input = Sources(1, 3, 5);
        var lego = new LegoMethod().Merge(input, Options(8, ParameterReweighting.Off, OutputReweighting.Off), CancellationToken.None);
        Assert.Equal(8, lego.Count);
        Assert.True(UnitTestData.RelativeError(UnitTestData.Dense(lego), UnitTestData.DenseSum(input.Sources)) < 1e-6);

        var larger = new LegoMethod().Merge(input, Options(50, ParameterReweighting.Off, OutputReweighting.Off), CancellationToken.None);
        Assert.Equal(8, larger.Count);
    }

    [Fact]
    public void OneSourceWithKEqualToItsRankGivesTheSameDelta()
    {
        var input = Sources(2, 6);
        var lego = new LegoMethod().Merge(input, new MergeOptions(), CancellationToken.None); // defaults: K = r, reweighting on
        Assert.Equal(6, lego.Count);
        Assert.True(UnitTestData.RelativeError(UnitTestData.Dense(lego), UnitTestData.Dense(input.Sources[0])) < 1e-6);
    }

    [Fact]
    public void KBelowRankPrunesBetterThanDroppingUnits()
    {
        var source = PairedUnits(3);
        var input = new ModuleMergeInput("m", In, Out, new[] { source });
        var dense = UnitTestData.Dense(source);
        var result = LegoClusterer.Cluster(input, Options(4), CancellationToken.None);
        Assert.Equal(4, result.Centroids.Count);
        Assert.All(result.Centroids.A, v => Assert.True(float.IsFinite(v)));

        // Each twin pair forms one cluster.
        Assert.All(result.Clusters, c => Assert.Equal(new[] { 2 * c.Index, (2 * c.Index) + 1 }, c.Members.Select(m => m.UnitIndex).ToArray()));

        double lego = UnitTestData.RelativeError(UnitTestData.Dense(result.Centroids), dense);
        double keepFirst = UnitTestData.RelativeError(UnitTestData.Dense(UnitBlockOps.Select(source, new[] { 0, 1, 2, 3 })), dense);
        var byNorm = Enumerable.Range(0, 8).OrderByDescending(i => VectorKernels.SumOfSquares(source.UnitA(i)) * VectorKernels.SumOfSquares(source.UnitB(i))).Take(4).ToArray();
        double keepLargest = UnitTestData.RelativeError(UnitTestData.Dense(UnitBlockOps.Select(source, byNorm)), dense);
        Assert.True(lego < keepFirst, $"lego {lego} vs keep-first {keepFirst}");
        Assert.True(lego < keepLargest, $"lego {lego} vs keep-largest {keepLargest}");
    }

    [Fact]
    public void SameSeedGivesBitIdenticalOutput()
    {
        var input = Sources(4, 8, 8, 8);
        var x = LegoClusterer.Cluster(input, Options(6, seed: 17), CancellationToken.None);
        var y = LegoClusterer.Cluster(input, Options(6, seed: 17), CancellationToken.None);
        Assert.Equal(x.Centroids.A, y.Centroids.A);
        Assert.Equal(x.Centroids.BT, y.Centroids.BT);
        Assert.Equal(x.Centroids.Scale, y.Centroids.Scale);
        Assert.Equal(x.Clusters.Select(c => string.Join(",", c.Members)), y.Clusters.Select(c => string.Join(",", c.Members)));
    }

    [Fact]
    public void ClustersPartitionThePoolAndAreOrderedByFirstMember()
    {
        var input = Sources(5, 4, 7, 3);
        var result = LegoClusterer.Cluster(input, Options(5, seed: 2), CancellationToken.None);
        Assert.Equal(5, result.Clusters.Count);
        var all = result.Clusters.SelectMany(c => c.Members).OrderBy(m => m.SourceIndex).ThenBy(m => m.UnitIndex).ToArray();
        var expected = input.Sources.SelectMany((b, s) => Enumerable.Range(0, b.Count).Select(u => new UnitRef(s, u))).ToArray();
        Assert.Equal(expected, all);
        Assert.Equal(14, result.Clusters.Sum(c => c.MemberCount));
        var firsts = result.Clusters.Select(c => (c.Members[0].SourceIndex * 100) + c.Members[0].UnitIndex).ToArray();
        Assert.Equal(firsts.OrderBy(f => f), firsts);
        Assert.All(result.Clusters, c => Assert.True(c.Inertia >= 0));
    }

    [Theory]
    [InlineData(ParameterReweighting.L2)]
    [InlineData(ParameterReweighting.MaxAbs)]
    [InlineData(ParameterReweighting.Off)]
    public void CentroidIsTheMembersMeanRescaledToTheirMeanNorm(ParameterReweighting reweighting)
    {
        var input = Sources(6, 6, 6);
        var options = Options(4, reweighting, OutputReweighting.Off, seed: 5);
        options.Lego.Canonicalize = UnitCanonicalization.None;
        var pooled = UnitBlockOps.Concatenate(input.Sources);
        var result = LegoClusterer.Cluster(input, options, CancellationToken.None);

        foreach (var cluster in result.Clusters)
        {
            var idx = cluster.Members.Select(m => (m.SourceIndex * 6) + m.UnitIndex).ToArray();
            var mean = new double[In + Out];
            double memberNorm = 0;
            foreach (int i in idx)
            {
                // Folded in float64: a·√|s| and b·√|s|·sign(s).
                double s = pooled.Scale[i], root = Math.Sqrt(Math.Abs(s));
                var joint = pooled.UnitA(i).ToArray().Select(v => v * root)
                    .Concat(pooled.UnitB(i).ToArray().Select(v => v * root * Math.Sign(s))).ToArray();
                for (int x = 0; x < mean.Length; x++) mean[x] += joint[x] / idx.Length;
                memberNorm += Norm(joint, reweighting) / idx.Length;
            }

            double factor = reweighting == ParameterReweighting.Off ? 1 : memberNorm / Norm(mean, reweighting);
            var centroid = result.Centroids.UnitA(cluster.Index).ToArray().Concat(result.Centroids.UnitB(cluster.Index).ToArray()).ToArray();
            for (int x = 0; x < mean.Length; x++) Assert.Equal(mean[x] * factor, centroid[x], 5);
            Assert.Equal(factor, cluster.ReweightFactor, 9);
        }
    }

    [Fact]
    public void OutputReweightingIsSqrtOfMeanRankOverK()
    {
        var input = Sources(7, 4, 8);
        var on = LegoClusterer.Cluster(input, Options(3), CancellationToken.None);
        Assert.Equal(Math.Sqrt(6.0 / 3), on.OutputFactor, 12);
        Assert.All(on.Centroids.Scale, s => Assert.Equal(Math.Sqrt(2.0), s, 12));

        var off = LegoClusterer.Cluster(input, Options(3, output: OutputReweighting.Off), CancellationToken.None);
        Assert.Equal(1.0, off.OutputFactor);
        for (int i = 0; i < on.Centroids.A.Length; i++) Assert.Equal(on.Centroids.A[i], off.Centroids.A[i]);
    }

    [Fact]
    public void UnitOrderDoesNotMatterWhenUnitsPassThrough()
    {
        var input = Sources(8, 5, 3);
        var permuted = new ModuleMergeInput("m", In, Out, input.Sources.Select(b => UnitTestData.Permute(b, Enumerable.Range(0, b.Count).Reverse().ToArray())).ToArray());
        var x = UnitTestData.Dense(new LegoMethod().Merge(input, Options(8), CancellationToken.None));
        var y = UnitTestData.Dense(new LegoMethod().Merge(permuted, Options(8), CancellationToken.None));
        Assert.True(UnitTestData.RelativeError(y, x) < 1e-6);
    }

    [Fact]
    public void WithoutFoldingCentroidsKeepRawVectorsAndTheMeanMemberScale()
    {
        var rng = new Random(10);
        var source = UnitTestData.RandomBlock(rng, 6, In, Out, 0.75);
        source.Scale[0] = 1.75; // scales differ within the source
        var input = new ModuleMergeInput("m", In, Out, new[] { source });
        var options = Options(3, ParameterReweighting.Off, OutputReweighting.Off, seed: 4);
        options.Lego.FoldScales = false;
        options.Lego.Canonicalize = UnitCanonicalization.None;
        var result = LegoClusterer.Cluster(input, options, CancellationToken.None);
        foreach (var cluster in result.Clusters)
        {
            var idx = cluster.Members.Select(m => m.UnitIndex).ToArray();
            Assert.Equal(idx.Average(i => source.Scale[i]), result.Centroids.Scale[cluster.Index], 12);
            for (int x = 0; x < In; x++) Assert.Equal(idx.Average(i => (double)source.A[(i * In) + x]), result.Centroids.A[(cluster.Index * In) + x], 5);
        }
    }

    [Fact]
    public void CancellationStopsTheMerge()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => LegoClusterer.Cluster(Sources(9, 8, 8), Options(4), cts.Token));
    }

    private static double Norm(double[] v, ParameterReweighting reweighting) =>
        reweighting == ParameterReweighting.MaxAbs ? v.Max(Math.Abs) : Math.Sqrt(v.Sum(x => x * x));
}
