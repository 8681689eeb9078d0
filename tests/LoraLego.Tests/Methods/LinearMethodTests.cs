using System;
using System.Linq;
using System.Threading;
using LoraLego.Diagnostics;
using LoraLego.Merging;
using MathNet.Numerics.LinearAlgebra;
using Xunit;
using static LoraLego.Tests.Methods.DenseReference;

namespace LoraLego.Tests.Methods;

public class LinearMethodTests
{
    [Fact]
    public void FactorsAreRootScaledSumsSoTheDeltaHasCrossTerms()
    {
        var rng = new Random(2);
        var s1 = RandomBlock(rng, 20, 12, 3, 4.0);
        var s2 = RandomBlock(rng, 20, 12, 3, 0.25);
        var merged = new LinearMethod().Merge(Input("lin", s1, s2), new MergeOptions(), CancellationToken.None);

        Assert.Equal(3, merged.Count);
        Assert.All(merged.Scale, s => Assert.Equal(1.0, s));
        for (int i = 0; i < merged.A.Length; i++) Assert.Equal((2.0 * s1.A[i]) + (0.5 * s2.A[i]), merged.A[i], 5);
        for (int i = 0; i < merged.BT.Length; i++) Assert.Equal((2.0 * s1.BT[i]) + (0.5 * s2.BT[i]), merged.BT[i], 5);

        // ΔM = 4·B1A1 + 0.25·B2A2 + 1·(B1A2 + B2A1): the sum plus the documented cross terms.
        var cross = Matrix<double>.Build.Dense(20, 12);
        for (int k = 0; k < 3; k++)
        {
            var b1 = Vector<double>.Build.Dense(s1.UnitB(k).ToArray().Select(x => (double)x).ToArray());
            var b2 = Vector<double>.Build.Dense(s2.UnitB(k).ToArray().Select(x => (double)x).ToArray());
            var a1 = Vector<double>.Build.Dense(s1.UnitA(k).ToArray().Select(x => (double)x).ToArray());
            var a2 = Vector<double>.Build.Dense(s2.UnitA(k).ToArray().Select(x => (double)x).ToArray());
            cross += b1.OuterProduct(a2) + b2.OuterProduct(a1);
        }

        var expected = Delta(s1) + Delta(s2) + cross;
        Assert.True(RelativeDifference(Delta(merged), expected) < 1e-6);
        Assert.True(RelativeDifference(Delta(merged), Delta(s1) + Delta(s2)) > 0.1);
    }

    [Fact]
    public void NegativeWeightKeepsItsSignOnTheDiagonalTerm()
    {
        var rng = new Random(4);
        var source = RandomBlock(rng, 10, 7, 2, -0.5);
        var merged = new LinearMethod().Merge(Input("neg", source), new MergeOptions(), CancellationToken.None);
        Assert.True(RelativeDifference(Delta(merged), Delta(source)) < 1e-6);
    }

    [Fact]
    public void UnequalRanksAreRefusedNamingTheModule()
    {
        var rng = new Random(1);
        var input = Input("model.layers.3.mlp.up_proj", RandomBlock(rng, 8, 6, 2, 1), RandomBlock(rng, 8, 6, 3, 1));
        var ex = Assert.Throws<LoraLegoException>(() => new LinearMethod().Merge(input, new MergeOptions(), CancellationToken.None));
        Assert.Equal("LinearMergeRankMismatch", ex.ErrorId);
        Assert.Equal(LoraErrorCategory.InvalidArgument, ex.Category);
        Assert.Equal("model.layers.3.mlp.up_proj", ex.Target);
        Assert.Contains("model.layers.3.mlp.up_proj", ex.Message);
    }
}
