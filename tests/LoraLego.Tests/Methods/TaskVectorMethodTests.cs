using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Diagnostics;
using LoraLego.Merging;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;
using Xunit;
using static LoraLego.Tests.Methods.DenseReference;

namespace LoraLego.Tests.Methods;

public class TaskVectorMethodTests
{
    // ΔW1 = 1·(1,2)ᵀ(1,−1,3) = [[1,−1,3],[2,−2,6]]; ΔW2 = 0.5·(1,−1)ᵀ(−2,1,1) = [[−1,.5,.5],[1,−.5,−.5]].
    private static ModuleMergeInput HandInput() => Input(
        "hand",
        Block(new[] { new[] { 1.0, 2 } }, new[] { new[] { 1.0, -1, 3 } }, new[] { 1.0 }),
        Block(new[] { new[] { 1.0, -1 } }, new[] { new[] { -2.0, 1, 1 } }, new[] { 0.5 }));

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public void TiesOnHandCaseKeepsTopHalfElectsSignsAndAveragesAgreeingEntries()
    {
        // Trim to 3 of 6: T1 = [[0,0,3],[2,0,6]] (the tie 2 vs −2 keeps the first), T2 = [[−1,.5,0],[1,0,0]].
        // Total signs of T1+T2 = [[−,+,+],[+,+,+]]; agreeing means: [[−1,.5,3],[1.5,0,6]].
        float[] merged = new TiesMethod().MergeDense(HandInput(), new MergeOptions { Density = 0.5 }, None);
        Assert.Equal(new float[] { -1f, 0.5f, 3f, 1.5f, 0f, 6f }, merged);
    }

    [Fact]
    public void DensityKeepingNoEntryGivesAZeroMergeNotAnError()
    {
        // int(0.1 · 6) = 0 entries survive, as in PEFT.
        var block = new TiesMethod().Merge(HandInput(), new MergeOptions { Density = 0.1 }, None);
        Assert.Equal(1, block.Count);
        Assert.All(block.A, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void MagnitudePruneOnHandCaseSumsTrimmedDeltas()
    {
        float[] merged = new MagnitudePruneMethod().MergeDense(HandInput(), new MergeOptions { Density = 0.5 }, None);
        Assert.Equal(new float[] { -1f, 0.5f, 3f, 3f, 0f, 6f }, merged);
    }

    [Fact]
    public void SignElectionTotalAndFrequencyDisagreeWhereOneLargeValueFacesTwoSmallOnes()
    {
        // Entry 0 gets 5, −1, −1: Total elects + (mean 5), Frequency elects − (mean −1).
        // Entry 1 gets 1, 1, −2: the sum is 0, which elects + as in PEFT (mean 1).
        var input = Input(
            "votes",
            Block(new[] { new[] { 1.0 } }, new[] { new[] { 5.0, 1 } }, new[] { 1.0 }),
            Block(new[] { new[] { 1.0 } }, new[] { new[] { -1.0, 1 } }, new[] { 1.0 }),
            Block(new[] { new[] { 1.0 } }, new[] { new[] { -1.0, -2 } }, new[] { 1.0 }));
        var ties = new TiesMethod();
        Assert.Equal(new[] { 5f, 1f }, ties.MergeDense(input, new MergeOptions { Density = 1, SignElection = SignElection.Total }, None));
        Assert.Equal(new[] { -1f, 1f }, ties.MergeDense(input, new MergeOptions { Density = 1, SignElection = SignElection.Frequency }, None));
    }

    [Theory]
    [InlineData("ties")]
    [InlineData("dare_ties")]
    public void DisjointMeanOfIdenticalSourcesAtFullDensityIsTheSourceItself(string method)
    {
        var source = RandomBlock(new Random(6), 30, 20, 4, 1.5);
        var merged = Create(method).Merge(Input("same", source, source, source), new MergeOptions { Density = 1, Rank = 4 }, None);
        Assert.True(RelativeDifference(Delta(merged), Delta(source)) < 1e-5);
    }

    [Fact]
    public void DareWithDensityOneIsThePlainSumAndFullRankKeepsIt()
    {
        var input = HandInput();
        var expected = Delta(input.Sources[0]) + Delta(input.Sources[1]);
        var block = new DareMethod().Merge(input, new MergeOptions { Density = 1, Rank = 2 }, None);
        Assert.Equal(2, block.Count);
        Assert.True(RelativeDifference(Delta(block), expected) < 1e-6);
    }

    public static IEnumerable<object[]> Methods() => new[]
    {
        new object[] { "ties", SignElection.Total },
        new object[] { "ties", SignElection.Frequency },
        new object[] { "dare", SignElection.Total },
        new object[] { "dare_ties", SignElection.Total },
        new object[] { "dare_ties", SignElection.Frequency },
        new object[] { "magnitude_prune", SignElection.Total },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void RandomMidSizeMergeMatchesIndependentDenseComputation(string method, SignElection election)
    {
        var (input, options) = RandomCase(seed: 11, election);
        var expected = Reference(method, input, options);

        float[] dense = Create(method).MergeDense(input, options, None);
        Assert.True(RelativeDifference(FromRowMajor(dense, 64, 48), expected) < 1e-4);

        // Full rank: the randomised SVD spans the whole range, so the units reproduce the merge.
        options.Rank = 48;
        var full = Create(method).Merge(input, options, None);
        Assert.Equal(48, full.Count);
        Assert.All(full.Scale, s => Assert.Equal(1.0, s));
        Assert.True(RelativeDifference(Delta(full), expected) < 1e-4);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void RankReductionIsCloseToTheBestApproximation(string method, SignElection election)
    {
        var (input, options) = RandomCase(seed: 5, election);
        var expected = Reference(method, input, options);
        var block = Create(method).Merge(input, options, None);
        Assert.Equal(8, block.Count); // default: the largest source rank
        double optimal = (expected - TruncatedSvd(expected, 8)).FrobeniusNorm();
        double achieved = (expected - Delta(block)).FrobeniusNorm();
        Assert.True(achieved >= optimal * (1 - 1e-6));
        Assert.True(achieved <= optimal * 1.02, $"rank-8 error {achieved} vs optimal {optimal}");
    }

    [Theory]
    [InlineData("ties")]
    [InlineData("dare_ties")]
    public void ModuleLargerThanOneParallelChunkMatchesTheDenseComputation(string method)
    {
        // 320 × 256 = 81 920 entries: two element chunks, ten row chunks.
        var rng = new Random(21);
        var input = Input("big", RandomBlock(rng, 320, 256, 6, 1.0), RandomBlock(rng, 320, 256, 4, 0.8), RandomBlock(rng, 320, 256, 5, 1.2));
        var options = new MergeOptions { Density = 0.35, Seed = 9 };
        float[] dense = Create(method).MergeDense(input, options, None);
        Assert.True(RelativeDifference(FromRowMajor(dense, 320, 256), Reference(method, input, options)) < 1e-4);
    }

    [Theory]
    [InlineData("ties")]
    [InlineData("dare")]
    public async System.Threading.Tasks.Task ResultDoesNotDependOnTheNumberOfThreads(string method)
    {
        // Parallel.For runs on the current scheduler: an exclusive scheduler forces one thread.
        var rng = new Random(22);
        var input = Input("threads", RandomBlock(rng, 300, 260, 6, 1.0), RandomBlock(rng, 300, 260, 4, 0.8));
        var options = new MergeOptions { Density = 0.4, Seed = 5, Rank = 6 };
        var parallel = Create(method).Merge(input, options, None);
        var exclusive = new System.Threading.Tasks.ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;
        var single = await System.Threading.Tasks.Task.Factory.StartNew(() => Create(method).Merge(input, options, None), None, System.Threading.Tasks.TaskCreationOptions.None, exclusive);
        Assert.Equal(parallel.A, single.A);
        Assert.Equal(parallel.BT, single.BT);
    }

    [Fact]
    public void SameSeedGivesIdenticalUnitsAndAnotherSeedDoesNot()
    {
        var (input, options) = RandomCase(seed: 3, SignElection.Total);
        var first = new DareTiesMethod().Merge(input, options, None);
        var second = new DareTiesMethod().Merge(input, options, None);
        Assert.Equal(first.A, second.A);
        Assert.Equal(first.BT, second.BT);
        options.Seed = 43;
        var other = new DareTiesMethod().Merge(input, options, None);
        Assert.NotEqual(first.A, other.A);
    }

    [Fact]
    public void RandomDropKeepsAboutDensityOfTheEntries()
    {
        var (input, options) = RandomCase(seed: 7, SignElection.Total);
        options.Density = 0.3;
        var single = Input("drop", input.Sources[0]);
        float[] dropped = new DareMethod().MergeDense(single, options, None);
        double kept = dropped.Count(v => v != 0) / (double)dropped.Length;
        Assert.InRange(kept, 0.27, 0.33); // 3072 Bernoulli(0.3) draws: ±4 standard deviations
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void DensityOutsideZeroOneIsRefusedNamingTheModule(double density)
    {
        var ex = Assert.Throws<LoraLegoException>(() => new TiesMethod().Merge(HandInput(), new MergeOptions { Density = density }, None));
        Assert.Equal("MergeDensityInvalid", ex.ErrorId);
        Assert.Equal("hand", ex.Target);
        Assert.Contains("'hand'", ex.Message);
    }

    [Fact]
    public void RankBelowOneAndMismatchedShapesAreRefused()
    {
        var ex = Assert.Throws<LoraLegoException>(() => new DareMethod().Merge(HandInput(), new MergeOptions { Rank = 0 }, None));
        Assert.Equal("MergeRankInvalid", ex.ErrorId);

        var wrong = new ModuleMergeInput("shape", 3, 2, new[] { HandInput().Sources[0], Block(new[] { new[] { 1.0, 2, 3 } }, new[] { new[] { 1.0, 2 } }, new[] { 1.0 }) });
        var shape = Assert.Throws<LoraLegoException>(() => new TiesMethod().Merge(wrong, new MergeOptions(), None));
        Assert.Equal("MergeSourceShapeMismatch", shape.ErrorId);
        Assert.Contains("'shape'", shape.Message);
    }

    internal static TaskVectorMethod Create(string method) => method switch
    {
        "ties" => new TiesMethod(),
        "dare" => new DareMethod(),
        "dare_ties" => new DareTiesMethod(),
        "magnitude_prune" => new MagnitudePruneMethod(),
        _ => throw new ArgumentException(method),
    };

    private static (ModuleMergeInput Input, MergeOptions Options) RandomCase(int seed, SignElection election)
    {
        var rng = new Random(seed);
        var input = Input(
            "model.layers.0.self_attn.q_proj",
            RandomBlock(rng, 64, 48, 4, 0.5),
            RandomBlock(rng, 64, 48, 8, 2.0),
            RandomBlock(rng, 64, 48, 6, 1.0));
        return (input, new MergeOptions { Density = 0.4, SignElection = election, Seed = 42 });
    }

    internal static Matrix<double> Reference(string method, ModuleMergeInput input, MergeOptions options)
    {
        var deltas = input.Sources.Select(Delta).ToList();
        double d = options.Density;
        switch (method)
        {
            case "ties":
                return DisjointMean(deltas.Select(x => MagnitudeTrim(x, d)).ToList(), options.SignElection);
            case "magnitude_prune":
                return deltas.Select(x => MagnitudeTrim(x, d)).Aggregate((x, y) => x + y);
            case "dare":
                return deltas.Select((x, i) => RandomDrop(x, d, options.Seed, input.Module, i)).Aggregate((x, y) => x + y);
            case "dare_ties":
                return DisjointMean(deltas.Select((x, i) => RandomDrop(x, d, options.Seed, input.Module, i)).ToList(), options.SignElection);
            default:
                throw new ArgumentException(method);
        }
    }
}
