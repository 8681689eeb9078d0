using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Merging;
using MathNet.Numerics.LinearAlgebra;
using Xunit;
using static LoraLego.Tests.Methods.DenseReference;

namespace LoraLego.Tests.Methods;

public class KnotsMethodTests
{
    private static ModuleMergeInput RandomInput(int seed)
    {
        var rng = new Random(seed);
        return Input("knots", RandomBlock(rng, 40, 30, 4, 1.5), RandomBlock(rng, 40, 30, 6, 0.5), RandomBlock(rng, 40, 30, 5, 1.0));
    }

    [Fact]
    public void TaskArithmeticWithoutReductionIsExactlyTheSum()
    {
        var input = RandomInput(8);
        var merged = new KnotsMethod().Merge(input, new MergeOptions { KnotsMerge = KnotsMerge.Ta, Rank = 15 }, CancellationToken.None);
        var sum = input.Sources.Select(Delta).Aggregate((x, y) => x + y);
        Assert.Equal(15, merged.Count);
        Assert.True(RelativeDifference(Delta(merged), sum) < 1e-5);
    }

    [Fact]
    public void DuplicatedSourceIsHandledDespiteRankDeficientStacks()
    {
        // The stacked B and the concatenation have rank 5, not 10: the QRs must drop the repeats.
        var rng = new Random(14);
        var source = RandomBlock(rng, 40, 30, 5, 1.0);
        var input = Input("dup", source, source);
        var ta = new KnotsMethod().Merge(input, new MergeOptions { KnotsMerge = KnotsMerge.Ta, Rank = 5 }, CancellationToken.None);
        Assert.True(RelativeDifference(Delta(ta), 2 * Delta(source)) < 1e-5);

        // TIES at density 1 averages two identical V blocks: the source itself, not twice it.
        var ties = new KnotsMethod().Merge(input, new MergeOptions { KnotsMerge = KnotsMerge.Ties, Density = 1, Rank = 5 }, CancellationToken.None);
        Assert.True(RelativeDifference(Delta(ties), Delta(source)) < 1e-5);
    }

    [Fact]
    public void KnotsMergeIsRecordedOnlyForKnots()
    {
        var options = new MergeOptions { KnotsMerge = KnotsMerge.Ta };
        Assert.Equal("Ta", options.Describe("knots")["knots_merge"]);
        Assert.False(options.Describe("ties").ContainsKey("knots_merge"));
        Assert.Equal(KnotsMerge.Ties, new MergeOptions().KnotsMerge);
    }

    [Fact]
    public void TaskArithmeticReducedIsTheBestLowRankApproximationOfTheSum()
    {
        var input = RandomInput(9);
        var merged = new KnotsMethod().Merge(input, new MergeOptions { KnotsMerge = KnotsMerge.Ta }, CancellationToken.None);
        var sum = input.Sources.Select(Delta).Aggregate((x, y) => x + y);
        Assert.Equal(6, merged.Count);
        Assert.True(RelativeDifference(Delta(merged), TruncatedSvd(sum, 6)) < 1e-4);
    }

    [Theory]
    [InlineData(SignElection.Total, 15)]
    [InlineData(SignElection.Frequency, 15)]
    [InlineData(SignElection.Total, 6)]
    [InlineData(SignElection.Frequency, 4)]
    public void TiesOnTheVBlocksMatchesADenseSvdOfTheConcatenation(SignElection election, int rank)
    {
        var input = RandomInput(10);
        var options = new MergeOptions { KnotsMerge = KnotsMerge.Ties, Density = 0.3, SignElection = election, Rank = rank };
        var merged = new KnotsMethod().Merge(input, options, CancellationToken.None);

        // Dense reference: SVD of [ΔW_1 | ΔW_2 | ΔW_3] (40 × 90), keep its 15 = Σ r_i directions.
        var deltas = input.Sources.Select(Delta).ToList();
        var concat = deltas.Aggregate((x, y) => x.Append(y));
        var svd = concat.Svd(true);
        int t = 15;
        var u = svd.U.SubMatrix(0, 40, 0, t);
        var sigma = Matrix<double>.Build.DenseOfDiagonalArray(svd.S.Take(t).ToArray());
        var v = svd.VT.Transpose().SubMatrix(0, 90, 0, t);

        // The method's sign convention for singular pairs: the largest |entry| of each u_j is positive.
        for (int j = 0; j < t; j++)
        {
            var col = u.Column(j);
            if (col[col.AbsoluteMaximumIndex()] < 0)
            {
                u.SetColumn(j, -col);
                v.SetColumn(j, -v.Column(j));
            }
        }

        // Each task's Vᵢᵀ (t × 30), trimmed and combined entry-wise as TIES does.
        var blocks = new List<Matrix<double>>();
        for (int i = 0; i < 3; i++) blocks.Add(MagnitudeTrim(v.SubMatrix(i * 30, 30, 0, t).Transpose(), 0.3));
        var vMerged = DisjointMean(blocks, election);
        var expected = TruncatedSvd(u * sigma * vMerged, rank);

        Assert.True(RelativeDifference(Delta(merged), expected) < 1e-4);
    }
}
