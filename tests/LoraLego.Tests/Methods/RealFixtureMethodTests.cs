using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Merging;
using LoraLego.Tests.Formats;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;
using Xunit;
using static LoraLego.Tests.Methods.DenseReference;

namespace LoraLego.Tests.Methods;

/// <summary>
/// Every merge method on modules of the real adapters (SD-1.5 UNet r4 + r8; two GPT-2 r8), against
/// a dense computation done here from the raw factors.
/// </summary>
public class RealFixtureMethodTests
{
    private const string UnetModule = "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
    private static readonly CancellationToken None = CancellationToken.None;

    private static ModuleMergeInput Unet(string module = UnetModule) => Load(module, "sd15-unet/flowers", "sd15-unet/difusor");

    /// <summary>One module of each named fixture adapter, as a merge input.</summary>
    internal static ModuleMergeInput Load(string module, params string[] fixtures)
    {
        var sources = fixtures.Select(n => AdapterLoader.Load(RealFixtures.Folder(n)).GetModule(module)!).ToList();
        return new ModuleMergeInput(module, sources[0].InFeatures, sources[0].OutFeatures, sources.Select(m => m.ReadUnits()).ToList());
    }

    private static Matrix<double> Sum(ModuleMergeInput input) => input.Sources.Select(Delta).Aggregate((x, y) => x + y);

    [RealFixtureFact]
    public void ConcatIsTheSum()
    {
        var input = Unet();
        var merged = MergeMethodRegistry.Get("Concat").Merge(input, new MergeOptions(), None);
        Assert.Equal(12, merged.Count);
        Assert.True(RelativeDifference(Delta(merged), Sum(input)) < 1e-6);
    }

    [RealFixtureFact]
    public void SvdAndKnotsWithTaskArithmeticAreTheDenseTruncatedSvdOfTheSum()
    {
        var input = Unet();
        var expected = TruncatedSvd(Sum(input), 5);
        var svd = MergeMethodRegistry.Get("Svd").Merge(input, new MergeOptions { Rank = 5 }, None);
        Assert.True(RelativeDifference(Delta(svd), expected) < 1e-4);
        var knots = MergeMethodRegistry.Get("KnOTS").Merge(input, new MergeOptions { Rank = 5, KnotsMerge = KnotsMerge.Ta }, None);
        Assert.True(RelativeDifference(Delta(knots), expected) < 1e-4);
    }

    [RealFixtureTheory]
    [InlineData("ties", SignElection.Total)]
    [InlineData("ties", SignElection.Frequency)]
    [InlineData("dare", SignElection.Total)]
    [InlineData("dare_ties", SignElection.Frequency)]
    [InlineData("magnitude_prune", SignElection.Total)]
    public void TaskVectorMethodsMatchTheDenseComputation(string method, SignElection election)
    {
        var input = Unet();
        var options = new MergeOptions { Density = 0.3, SignElection = election, Seed = 17 };
        var expected = TaskVectorMethodTests.Reference(method, input, options);
        float[] dense = TaskVectorMethodTests.Create(method).MergeDense(input, options, None);
        Assert.True(RelativeDifference(FromRowMajor(dense, input.OutFeatures, input.InFeatures), expected) < 1e-4);

        // Through the registry at full rank the units reproduce that merge.
        options.Rank = input.InFeatures;
        var units = MergeMethodRegistry.Get(method).Merge(input, options, None);
        Assert.True(RelativeDifference(Delta(units), expected) < 1e-4);
    }

    [RealFixtureFact]
    public void LinearIsTheProductOfTheScaledFactorSums()
    {
        const string module = "transformer.h.0.attn.c_attn";
        var sources = new[] { "gpt2/emotion-cls", "gpt2/sentiment-cls" }
            .Select(n => AdapterLoader.Load(RealFixtures.Folder(n)).GetModule(module)!).ToList();
        var input = new ModuleMergeInput(module, 768, 2304, sources.Select(m => m.ReadUnits()).ToList());
        Matrix<double>? b = null, a = null;
        foreach (var block in input.Sources)
        {
            double root = System.Math.Sqrt(block.Scale[0]);
            var bi = Matrix<double>.Build.Dense(block.OutFeatures, block.Count, (o, i) => root * block.BT[(i * block.OutFeatures) + o]);
            var ai = Matrix<double>.Build.Dense(block.Count, block.InFeatures, (i, k) => root * block.A[(i * block.InFeatures) + k]);
            b = b is null ? bi : b + bi;
            a = a is null ? ai : a + ai;
        }

        var merged = MergeMethodRegistry.Get("Linear").Merge(input, new MergeOptions(), None);
        Assert.True(RelativeDifference(Delta(merged), b! * a!) < 1e-5);
    }
}
