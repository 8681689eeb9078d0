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

/// <summary>TSV-M, Iso-C, Iso-CTS and Core Space merging against dense MathNet versions of the papers' recipes.</summary>
public class SpectralMethodTests
{
    private const double Tolerance = 1e-6;
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Three sources of ranks 4, 6, 5 on a 40 × 30 module, with different scales.</summary>
    private static ModuleMergeInput ThreeSources(int seed = 21)
    {
        var rng = new Random(seed);
        return Input("spectral", RandomBlock(rng, 40, 30, 4, 1.5), RandomBlock(rng, 40, 30, 6, 0.5), RandomBlock(rng, 40, 30, 5, -1.0));
    }

    private static List<Matrix<double>> Deltas(ModuleMergeInput input) => input.Sources.Select(Delta).ToList();

    private static UnitBlock Run(string method, ModuleMergeInput input, MergeOptions options) => MergeMethodRegistry.Get(method).Merge(input, options, None);

    [Theory]
    [InlineData(null, null)]
    [InlineData(null, 7)]
    [InlineData(0.1, null)]
    [InlineData(0.1, 5)]
    public void TsvMMatchesTheDenseRecipe(double? fraction, int? rank)
    {
        var input = ThreeSources();
        var merged = Run("TsvM", input, new MergeOptions { TaskFraction = fraction, Rank = rank });

        // Default f = 1/3 keeps ⌊30/3⌋ = 10 ≥ every source rank: all 15 triplets; f = 0.1 keeps 3 each.
        int perTask = fraction is null ? 10 : 3;
        var expected = SpectralReference.TsvM(Deltas(input), perTask);
        int total = fraction is null ? 15 : 9;
        if (rank is int k) expected = TruncatedSvd(expected, k);
        Assert.Equal(rank ?? total, merged.Count);
        Assert.True(RelativeDifference(Delta(merged), expected) < Tolerance, $"{RelativeDifference(Delta(merged), expected)}");
    }

    [Fact]
    public void TsvMDecorrelatesTheSingularVectorsOfDifferentSources()
    {
        // Units come out as √σ ū, √σ v̄ with orthonormal ū's and v̄'s: the Gram matrices of B and A are diagonal.
        var merged = Run("TsvM", ThreeSources(), new MergeOptions());
        var b = Matrix<double>.Build.Dense(40, merged.Count, (o, j) => merged.BT[(j * 40) + o]);
        var a = Matrix<double>.Build.Dense(merged.Count, 30, (j, i) => merged.A[(j * 30) + i]);
        var gb = b.TransposeThisAndMultiply(b);
        var ga = a * a.Transpose();
        for (int i = 0; i < merged.Count; i++)
        {
            for (int j = 0; j < merged.Count; j++)
            {
                if (i == j) continue;
                Assert.True(Math.Abs(gb[i, j]) < 1e-5 * gb[i, i], $"B[{i},{j}]");
                Assert.True(Math.Abs(ga[i, j]) < 1e-5 * ga[i, i], $"A[{i},{j}]");
            }
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    [InlineData(15)]
    public void IsoCMatchesTheDenseRecipe(int? rank)
    {
        var input = ThreeSources();
        var merged = Run("IsoC", input, new MergeOptions { Rank = rank });
        Assert.Equal(rank ?? 15, merged.Count);
        var expected = SpectralReference.IsoC(Deltas(input), rank);
        Assert.True(RelativeDifference(Delta(merged), expected) < Tolerance, $"{RelativeDifference(Delta(merged), expected)}");
    }

    [Theory]
    [InlineData(null, 0.8)]
    [InlineData(10, 0.8)]
    [InlineData(9, 0.5)]
    [InlineData(6, 0.0)]
    [InlineData(12, 1.0)]
    public void IsoCtsMatchesTheDenseRecipe(int? rank, double commonFraction)
    {
        var input = ThreeSources();
        var merged = Run("IsoCts", input, new MergeOptions { Rank = rank, CommonSpaceFraction = commonFraction });
        var expected = SpectralReference.IsoCts(Deltas(input), rank, commonFraction);
        Assert.True(RelativeDifference(Delta(merged), expected) < Tolerance, $"{RelativeDifference(Delta(merged), expected)}");
        Assert.True(merged.Count <= (rank ?? 15));
    }

    [Fact]
    public void IsoCtsSplitFollowsTheReferenceRounding()
    {
        Assert.Equal((13, 1), IsoCtsMethod.Split(16, 0.8, 3));  // ⌊12.8⌋ = 12, round(4/3) = 1 → 3 specific
        Assert.Equal((6, 1), IsoCtsMethod.Split(8, 0.8, 2));    // ⌊6.4⌋ = 6, round(2/2) = 1
        Assert.Equal((4, 0), IsoCtsMethod.Split(4, 0.8, 8));    // round(1/8) = 0: all common
        Assert.Equal((4, 1), IsoCtsMethod.Split(12, 0.0, 8));   // round(1.5) = 2 → 16 > 12, one step back
    }

    [Theory]
    [InlineData("TsvM")]
    [InlineData("IsoC")]
    [InlineData("IsoCts")]
    [InlineData("Svd")]
    public void CoreSpaceIsLosslessForMethodsThatOnlyUseSingularVectors(string inner)
    {
        // Core space = the span of the stacked factors, so a method that only depends on singular vectors
        // gives its full-space result there (the paper's lossless claim). With equal ranks TsvM's caps agree:
        // ⌊min(R_B, R_A)/T⌋ = ⌊12/3⌋ = 4 per task in core space, ⌊30/3⌋ = 10 in full space, both ≥ r = 4.
        var rng = new Random(33);
        var input = Input("equal", RandomBlock(rng, 40, 30, 4, 1.5), RandomBlock(rng, 40, 30, 4, 0.5), RandomBlock(rng, 40, 30, 4, -1.0));
        var options = new MergeOptions { Rank = 8, CoreSpaceMerge = inner };
        var core = Run("CoreSpace", input, options);
        var full = Run(inner, input, new MergeOptions { Rank = 8 });
        Assert.Equal(full.Count, core.Count);
        Assert.True(RelativeDifference(Delta(core), Delta(full)) < Tolerance, $"{RelativeDifference(Delta(core), Delta(full))}");
    }

    [Fact]
    public void CoreSpaceTsvMMatchesTheDenseCoreRecipe()
    {
        var input = ThreeSources();
        var (ub, va) = Bases(input);
        var cores = Deltas(input).Select(d => ub.Transpose() * d * va).ToList();
        int perTask = Math.Min(ub.ColumnCount, va.ColumnCount) / 3;
        var expected = ub * SpectralReference.TsvM(cores, perTask) * va.Transpose();
        var merged = Run("CoreSpace", input, new MergeOptions());

        // R = 15, so each task keeps ⌊15/3⌋ = 5 core triplets: the rank-6 source loses its weakest one.
        Assert.Equal(14, merged.Count);
        Assert.True(RelativeDifference(Delta(merged), expected) < Tolerance, $"{RelativeDifference(Delta(merged), expected)}");
    }

    [Theory]
    [InlineData(SignElection.Total)]
    [InlineData(SignElection.Frequency)]
    public void CoreSpaceTiesTrimsAndElectsOnTheEntriesOfTheCores(SignElection election)
    {
        // TIES is not basis-invariant: this is the paper's Core Space TIES, on the cores in the SVD reference bases.
        var input = ThreeSources();
        var (ub, va) = Bases(input);
        var cores = Deltas(input).Select(d => ub.Transpose() * d * va).ToList();
        var trimmed = cores.Select(c => MagnitudeTrim(c, 0.4)).ToList();
        var expected = ub * TruncatedSvd(DisjointMean(trimmed, election), 6) * va.Transpose();
        var merged = Run("CoreSpace", input, new MergeOptions { CoreSpaceMerge = "ties", Density = 0.4, SignElection = election });
        Assert.Equal(6, merged.Count);
        Assert.True(RelativeDifference(Delta(merged), expected) < 1e-5, $"{RelativeDifference(Delta(merged), expected)}");
    }

    [Fact]
    public void OneSourceComesOutAsItselfOrItsIsotropicForm()
    {
        var rng = new Random(5);
        var rankOne = RandomBlock(rng, 40, 30, 1, 2.0);
        var single = Input("one", rankOne);
        foreach (string method in new[] { "TsvM", "IsoC", "IsoCts", "CoreSpace" })
        {
            var merged = Run(method, single, new MergeOptions());
            Assert.Equal(1, merged.Count);
            Assert.True(RelativeDifference(Delta(merged), Delta(rankOne)) < Tolerance, method);
        }

        // A rank-5 source: TSV-M keeps it (T = 1 keeps every triplet, the polar factor of orthonormal
        // vectors is themselves); Iso-C and Iso-CTS keep it too rather than flatten a lone task's
        // spectrum (IsotropicMethodsLeaveAModuleWithOneSourceUnflattened).
        var five = RandomBlock(rng, 40, 30, 5, 0.7);
        var input = Input("five", five);
        foreach (string method in new[] { "TsvM", "IsoC", "IsoCts" })
            Assert.True(RelativeDifference(Delta(Run(method, input, new MergeOptions())), Delta(five)) < Tolerance, method);
    }

    [Theory]
    [InlineData("TsvM")]
    [InlineData("IsoC")]
    [InlineData("IsoCts")]
    [InlineData("CoreSpace")]
    public void RepeatedMergesAreBitIdentical(string method)
    {
        var first = Run(method, ThreeSources(), new MergeOptions { Rank = 6, Seed = 3 });
        var second = Run(method, ThreeSources(), new MergeOptions { Rank = 6, Seed = 3 });
        Assert.Equal(first.A, second.A);
        Assert.Equal(first.BT, second.BT);
        Assert.Equal(first.Scale, second.Scale);
    }

    [Theory]
    [InlineData("TsvM", 15)]
    [InlineData("IsoC", 15)]
    [InlineData("IsoCts", 15)]
    [InlineData("CoreSpace", 14)]
    public void RankDefaultsRequestsAndLimits(string method, int natural)
    {
        var input = ThreeSources();
        Assert.Equal(natural, Run(method, input, new MergeOptions()).Count);
        Assert.Equal(4, Run(method, input, new MergeOptions { Rank = 4 }).Count);

        // More than the sum can carry: only what exists comes out.
        Assert.True(Run(method, input, new MergeOptions { Rank = 40 }).Count <= 15);
        var ex = Assert.Throws<LoraLegoException>(() => Run(method, input, new MergeOptions { Rank = 0 }));
        Assert.Equal("InvalidMergeRank", ex.ErrorId);
    }

    [Fact]
    public void DuplicatedSourcesAreHandledDespiteRankDeficientConcatenations()
    {
        var source = RandomBlock(new Random(9), 40, 30, 5, 1.0);
        var input = Input("dup", source, source);
        foreach (string method in new[] { "TsvM", "IsoC", "IsoCts", "CoreSpace" })
        {
            var merged = Run(method, input, new MergeOptions { Rank = 5 });
            Assert.All(merged.A, x => Assert.True(float.IsFinite(x)));
            Assert.Equal(merged.A, Run(method, input, new MergeOptions { Rank = 5 }).A);
        }

        // Iso-C of 2·ΔW at rank 5 is the isotropic form of ΔW scaled by 2.
        var iso = Run("IsoC", input, new MergeOptions { Rank = 5 });
        Assert.True(RelativeDifference(Delta(iso), 2 * SpectralReference.IsoC(new[] { Delta(source) }, 5)) < Tolerance);
    }

    [Theory]
    [InlineData("TsvM", 0.0)]
    [InlineData("TsvM", 1.5)]
    [InlineData("IsoCts", -0.1)]
    [InlineData("IsoCts", 1.01)]
    public void FractionsOutsideTheirRangeAreRejected(string method, double value)
    {
        var options = method == "TsvM" ? new MergeOptions { TaskFraction = value } : new MergeOptions { CommonSpaceFraction = value };
        var ex = Assert.Throws<LoraLegoException>(() => Run(method, ThreeSources(), options));
        Assert.Equal("MergeFractionInvalid", ex.ErrorId);
        Assert.Contains("spectral", ex.Message);
    }

    [Theory]
    [InlineData("CoreSpace")]
    [InlineData("core_space")]
    [InlineData("NoSuchMethod")]
    public void CoreSpaceRejectsItselfAndUnknownInnerMethods(string inner)
    {
        var ex = Assert.Throws<LoraLegoException>(() => Run("CoreSpace", ThreeSources(), new MergeOptions { CoreSpaceMerge = inner }));
        Assert.Equal("CoreSpaceMergeInvalid", ex.ErrorId);
        Assert.Contains("TsvM", ex.Message);
    }

    [Theory]
    [InlineData("TSV-M", typeof(TsvMethod))]
    [InlineData("tsv_m", typeof(TsvMethod))]
    [InlineData("Iso-C", typeof(IsoCMethod))]
    [InlineData("iso_cts", typeof(IsoCtsMethod))]
    [InlineData("core-space", typeof(CoreSpaceMethod))]
    public void RegistryFindsThePapersSpellings(string name, Type type)
    {
        Assert.IsType(type, MergeMethodRegistry.Get(name));
    }

    [Fact]
    public void ProvenanceRecordsTheOptionsEachMethodUses()
    {
        var options = new MergeOptions { TaskFraction = 0.25, CommonSpaceFraction = 0.6, CoreSpaceMerge = "IsoCts" };
        Assert.Equal("0.25", options.Describe("TsvM")["task_fraction"]);
        Assert.Equal("1/T", new MergeOptions().Describe("TsvM")["task_fraction"]);
        Assert.Equal("0.6", options.Describe("IsoCts")["common_space_fraction"]);
        var core = options.Describe("CoreSpace");
        Assert.Equal("IsoCts", core["core_space_merge"]);
        Assert.Equal("0.6", core["common_space_fraction"]);
        Assert.False(core.ContainsKey("task_fraction"));
        Assert.Equal("1/T", new MergeOptions().Describe("CoreSpace")["task_fraction"]);
        foreach (string key in new[] { "task_fraction", "common_space_fraction", "core_space_merge" }) Assert.False(options.Describe("Svd").ContainsKey(key));
        Assert.False(options.Describe("IsoC").ContainsKey("common_space_fraction"));
    }

    [Fact]
    public void WithRankCopiesEveryOtherOption()
    {
        // The cmdlets hand each module a copy with its own rank: no option may be lost on the way.
        var options = new MergeOptions { Rank = 3, Density = 0.3, Seed = 9, TaskFraction = 0.2, CommonSpaceFraction = 0.4, CoreSpaceMerge = "IsoCts", KnotsMerge = KnotsMerge.Ta, SignElection = SignElection.Frequency };
        var copy = options.WithRank(7);
        Assert.Equal(7, copy.Rank);
        Assert.Equal(3, options.Rank);
        foreach (var property in typeof(MergeOptions).GetProperties().Where(p => p.Name != nameof(MergeOptions.Rank)))
            Assert.Equal(property.GetValue(options), property.GetValue(copy));
    }

    internal static (Matrix<double> UB, Matrix<double> VA) Bases(ModuleMergeInput input)
    {
        var b = input.Sources.Select(s => Matrix<double>.Build.Dense(s.OutFeatures, s.Count, (o, k) => s.Scale[k] * s.BT[(k * s.OutFeatures) + o])).ToList();
        var a = input.Sources.Select(s => Matrix<double>.Build.Dense(s.Count, s.InFeatures, (k, i) => (double)s.A[(k * s.InFeatures) + i])).ToList();
        return SpectralReference.CoreBases(b, a);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(6)]
    public void LegoDecorrelatedIsLegosCentroidsRebuiltWithThePolarFactorsOfTheirDirections(int? k)
    {
        // The dense recipe: Lego's centroids s_j b_j a_jᵀ as triplets (b/‖b‖, |s|‖b‖‖a‖, sign·a/‖a‖), concatenate, orthogonalise, rebuild.
        var input = ThreeSources();
        var options = new MergeOptions { Rank = k, Seed = 3 };
        var centroids = Run("Lego", input, options);
        var u = new List<Vector<double>>();
        var v = new List<Vector<double>>();
        var sigma = new List<double>();
        for (int j = 0; j < centroids.Count; j++)
        {
            var b = Vector<double>.Build.Dense(40, o => centroids.BT[(j * 40) + o]);
            var a = Vector<double>.Build.Dense(30, i => centroids.A[(j * 30) + i]);
            double s = centroids.Scale[j] * b.L2Norm() * a.L2Norm();
            u.Add(b / b.L2Norm() * Math.Sign(s));
            v.Add(a / a.L2Norm());
            sigma.Add(Math.Abs(s));
        }

        var expected = SpectralReference.Rebuild(u, v, sigma);
        var merged = Run("LegoDecorrelated", input, options);
        Assert.Equal(centroids.Count, merged.Count);
        Assert.True(RelativeDifference(Delta(merged), expected) < Tolerance, $"{RelativeDifference(Delta(merged), expected)}");

        // Decorrelated: the merged units' B columns and A rows are orthogonal.
        var bm = Matrix<double>.Build.Dense(40, merged.Count, (o, j) => merged.BT[(j * 40) + o]);
        var gb = bm.TransposeThisAndMultiply(bm);
        for (int i = 0; i < merged.Count; i++)
        {
            for (int j = 0; j < merged.Count; j++)
            {
                if (i != j) Assert.True(Math.Abs(gb[i, j]) < 1e-6 * Math.Sqrt(gb[i, i] * gb[j, j]) + 1e-12, $"B columns {i}, {j} not orthogonal");
            }
        }
    }

    [Theory]
    [InlineData("IsoC", null)]
    [InlineData("IsoC", 3)]
    [InlineData("IsoCts", null)]
    [InlineData("IsoCts", 3)]
    public void IsotropicMethodsLeaveAModuleWithOneSourceUnflattened(string method, int? rank)
    {
        // A module only one adapter targets has no other task to balance: its own delta (or its best rank-k part), not a flat spectrum.
        var input = Input("single", RandomBlock(new Random(5), 40, 30, 5, 0.75));
        var merged = Run(method, input, new MergeOptions { Rank = rank });
        var expected = rank is int k ? TruncatedSvd(Delta(input.Sources[0]), k) : Delta(input.Sources[0]);
        Assert.Equal(rank ?? 5, merged.Count);
        Assert.True(RelativeDifference(Delta(merged), expected) < Tolerance, $"{RelativeDifference(Delta(merged), expected)}");
    }
}
