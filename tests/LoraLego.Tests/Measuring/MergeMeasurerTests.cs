using System;
using System.Linq;
using System.Threading;
using LoraLego.Measuring;
using LoraLego.Merging;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;
using Xunit;
using static LoraLego.Tests.Methods.DenseReference;

namespace LoraLego.Tests.Measuring;

public class MergeMeasurerTests
{
    private static UnitBlock Concat(params UnitBlock[] blocks) => new(
        blocks[0].InFeatures,
        blocks[0].OutFeatures,
        blocks.SelectMany(b => b.A).ToArray(),
        blocks.SelectMany(b => b.BT).ToArray(),
        blocks.SelectMany(b => b.Scale).ToArray());

    private static double[] E(int n, int i)
    {
        var v = new double[n];
        v[i] = 1;
        return v;
    }

    [Fact]
    public void ConcatenationMeasuresZeroErrorFullEnergyAndFullRetention()
    {
        var rng = new Random(1);
        var s1 = RandomBlock(rng, 50, 40, 4, 0.5);
        var s2 = RandomBlock(rng, 50, 40, 6, 2.0);
        var m = MergeMeasurer.Measure(Input("cat", s1, s2), Concat(s1, s2));
        Assert.True(m.RelativeError < 1e-6, $"relative error {m.RelativeError}");
        Assert.Equal(1.0, m.EnergyCaptured, 6);
        Assert.All(m.Sources, s => Assert.Equal(1.0, s.Retention, 6));
        Assert.Equal(10, m.MergedUnits);
        Assert.Equal((Delta(s1) + Delta(s2)).FrobeniusNorm(), m.SourceSumNorm, 6);
    }

    [Fact]
    public void HandBuiltRetentionOrthogonalIdenticalAndPartial()
    {
        // ΔM = 2 e1 f1ᵀ. Source: 3 e1 f1ᵀ + 4 e2 f2ᵀ, whose projection keeps 3 e1 f1ᵀ: retention 3/5,
        // cosine ⟨ΔM, ΔS⟩/(‖ΔM‖‖ΔS‖) = 6 / (2·5).
        var merged = Block(new[] { E(5, 0) }, new[] { E(4, 0) }, new[] { 2.0 });
        var partial = Block(new[] { E(5, 0), E(5, 1) }, new[] { E(4, 0), E(4, 1) }, new[] { 3.0, 4.0 });
        var orthogonal = Block(new[] { E(5, 2) }, new[] { E(4, 0) }, new[] { 1.0 });
        var identical = Block(new[] { E(5, 0) }, new[] { E(4, 0) }, new[] { 2.0 });

        var m = MergeMeasurer.Measure(Input("hand", partial, orthogonal, identical), merged);
        Assert.Equal(0.6, m.Sources[0].Retention, 12);
        Assert.Equal(0.6, m.Sources[0].Cosine, 12);
        Assert.Equal(5.0, m.Sources[0].Norm, 12);
        Assert.Equal(0.0, m.Sources[1].Retention, 12);
        Assert.Equal(0.0, m.Sources[1].Cosine, 12);
        Assert.Equal(1.0, m.Sources[2].Retention, 12);
        Assert.Equal(1.0, m.Sources[2].Cosine, 12);

        // Sum = 5 e1f1ᵀ + 4 e2f2ᵀ + e3f1ᵀ (norm √42); captured 25/42; error ‖3e1f1ᵀ + 4e2f2ᵀ + e3f1ᵀ‖ = √26.
        Assert.Equal(25.0 / 42.0, m.EnergyCaptured, 12);
        Assert.Equal(Math.Sqrt(26.0 / 42.0), m.RelativeError, 12);
        Assert.Equal(1.0, m.EffectiveRank, 12);
    }

    [Fact]
    public void RandomMergeMatchesDenseProjectionsAndSvd()
    {
        var rng = new Random(3);
        var sources = new[] { RandomBlock(rng, 64, 48, 5, 1.0), RandomBlock(rng, 64, 48, 8, 0.7), RandomBlock(rng, 64, 48, 4, 1.3) };
        var input = Input("rand", sources);
        var merged = new TiesMethod().Merge(input, new MergeOptions { Density = 0.5, Rank = 6, Seed = 1 }, CancellationToken.None);
        var m = MergeMeasurer.Measure(input, merged);

        var dm = Delta(merged);
        var deltas = sources.Select(Delta).ToArray();
        var sum = deltas.Aggregate((x, y) => x + y);
        var svd = dm.Svd(true);
        var u = svd.U.SubMatrix(0, 64, 0, 6);
        var v = svd.VT.Transpose().SubMatrix(0, 48, 0, 6);
        var pu = u * u.Transpose();
        var pv = v * v.Transpose();

        Assert.Equal((dm - sum).FrobeniusNorm() / sum.FrobeniusNorm(), m.RelativeError, 5);
        Assert.Equal(Math.Pow((pu * sum * pv).FrobeniusNorm() / sum.FrobeniusNorm(), 2), m.EnergyCaptured, 5);
        double total = svd.S.Take(6).Sum();
        double entropy = -svd.S.Take(6).Select(x => x / total).Sum(p => p * Math.Log(p));
        Assert.Equal(Math.Exp(entropy), m.EffectiveRank, 5);
        for (int i = 0; i < 3; i++)
        {
            var d = deltas[i];
            Assert.Equal((pu * d * pv).FrobeniusNorm() / d.FrobeniusNorm(), m.Sources[i].Retention, 5);
            Assert.Equal(dm.PointwiseMultiply(d).Enumerate().Sum() / (dm.FrobeniusNorm() * d.FrobeniusNorm()), m.Sources[i].Cosine, 5);
        }
    }

    [Fact]
    public void EmptyMergedBlockKeepsNothing()
    {
        var source = RandomBlock(new Random(5), 12, 9, 3, 1.0);
        var empty = new UnitBlock(9, 12, Array.Empty<float>(), Array.Empty<float>(), Array.Empty<double>());
        var m = MergeMeasurer.Measure(Input("empty", source), empty);
        Assert.Equal(1.0, m.RelativeError, 12);
        Assert.Equal(0.0, m.EnergyCaptured);
        Assert.Equal(0.0, m.EffectiveRank);
        Assert.Equal(0.0, m.Sources[0].Retention);
        Assert.True(double.IsNaN(m.Sources[0].Cosine));
    }

    [Fact]
    public void MergedBlockOfAnotherShapeIsRefused()
    {
        var source = RandomBlock(new Random(5), 12, 9, 3, 1.0);
        var ex = Assert.Throws<LoraLego.Diagnostics.LoraLegoException>(() => MergeMeasurer.Measure(Input("model.x", source), RandomBlock(new Random(6), 9, 12, 3, 1.0)));
        Assert.Equal("MeasureShapeMismatch", ex.ErrorId);
        Assert.Contains("model.x", ex.Message);
    }

    [Fact]
    public void ZeroSumGivesNaNRatiosNotExceptions()
    {
        var b = Block(new[] { E(3, 0) }, new[] { E(2, 0) }, new[] { 1.0 });
        var negative = Block(new[] { E(3, 0) }, new[] { E(2, 0) }, new[] { -1.0 });
        var m = MergeMeasurer.Measure(Input("zero", b, negative), b);
        Assert.True(double.IsNaN(m.RelativeError));
        Assert.True(double.IsNaN(m.EnergyCaptured));
        Assert.Equal(1.0, m.Sources[0].Retention, 12);
    }
}
