using System;
using System.Linq;
using System.Threading;
using LoraLego.Merging;
using LoraLego.Tests.Formats;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;
using Xunit;
using static LoraLego.Tests.Methods.DenseReference;
using static LoraLego.Tests.Methods.RealFixtureMethodTests;

namespace LoraLego.Tests.Methods;

/// <summary>The 2025 spectral methods on real adapters: SD-1.5 UNet (r4 + r8) against the dense recipes; four GPT-2 c_attn LoRAs checked through their spectra.</summary>
public class SpectralRealFixtureTests
{
    private const string UnetModule = "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
    private const string Gpt2Module = "transformer.h.0.attn.c_attn";
    private static readonly CancellationToken None = CancellationToken.None;

    [RealFixtureFact]
    public void UnetModuleMatchesTheDenseRecipes()
    {
        var input = Load(UnetModule, "sd15-unet/flowers", "sd15-unet/difusor");
        var deltas = input.Sources.Select(Delta).ToList();

        var tsv = MergeMethodRegistry.Get("TsvM").Merge(input, new MergeOptions(), None);
        Assert.Equal(12, tsv.Count);
        Assert.True(RelativeDifference(Delta(tsv), SpectralReference.TsvM(deltas, 160)) < 1e-5);

        var isoC = MergeMethodRegistry.Get("IsoC").Merge(input, new MergeOptions { Rank = 8 }, None);
        Assert.True(RelativeDifference(Delta(isoC), SpectralReference.IsoC(deltas, 8)) < 1e-5);

        var isoCts = MergeMethodRegistry.Get("IsoCts").Merge(input, new MergeOptions(), None);
        Assert.True(RelativeDifference(Delta(isoCts), SpectralReference.IsoCts(deltas, null, 0.8)) < 1e-5);

        // Core space R = 12: TSV keeps ⌊12/2⌋ = 6 core triplets per task, so the rank-8 adapter loses its 2 weakest.
        var (ub, va) = SpectralMethodTests.Bases(input);
        var expected = ub * SpectralReference.TsvM(deltas.Select(d => ub.Transpose() * d * va).ToList(), 6) * va.Transpose();
        var core = MergeMethodRegistry.Get("CoreSpace").Merge(input, new MergeOptions(), None);
        Assert.Equal(10, core.Count);
        Assert.True(RelativeDifference(Delta(core), expected) < 1e-5);
    }

    [RealFixtureFact]
    public void FourGpt2AdaptersKeepTheirSpectraUnderTsvMAndIsoC()
    {
        var input = Load(Gpt2Module, "gpt2/tigrinya", "gpt2/emotion-cls", "gpt2/sentiment-cls", "gpt2/causal-demo");
        Assert.Equal(2304, input.OutFeatures);

        // Each source's singular values from its r × r Gram product: σ² = eig(BᵀB · AAᵀ).
        var sourceSigma = input.Sources.SelectMany(Spectrum).OrderByDescending(x => x).ToArray();
        Assert.Equal(32, sourceSigma.Length);

        // TSV-M keeps all 4 × 8 triplets (⌊768/4⌋ = 192 ≥ 8) with their own σ on orthonormal ū, v̄:
        // the units are orthogonal and ‖b_j‖‖a_j‖ is exactly the list of the sources' singular values.
        var tsv = MergeMethodRegistry.Get("TsvM").Merge(input, new MergeOptions(), None);
        Assert.Equal(32, tsv.Count);
        var (bt, a) = Factors(tsv);
        AssertOrthogonalColumns(bt);
        AssertOrthogonalColumns(a);
        var merged = Enumerable.Range(0, 32).Select(j => bt.Column(j).L2Norm() * a.Column(j).L2Norm()).OrderByDescending(x => x).ToArray();
        for (int j = 0; j < 32; j++) Assert.True(Math.Abs(merged[j] - sourceSigma[j]) < 1e-5 * sourceSigma[0], $"σ{j}: {merged[j]} vs {sourceSigma[j]}");

        // In core space (R = 32, 8 triplets per task) TSV-M is the same merge: lossless.
        var core = MergeMethodRegistry.Get("CoreSpace").Merge(input, new MergeOptions(), None);
        Assert.True(RelativeDifference(Delta(core), Delta(tsv)) < 1e-5);

        // Iso-C at rank 16: one singular value, the mean of the sum's top 16, on directions inside the sum's column space.
        var sumSigma = Spectrum(UnitBlockOps.Concatenate(input.Sources)).OrderByDescending(x => x).Take(16).Average();
        var iso = MergeMethodRegistry.Get("IsoC").Merge(input, new MergeOptions { Rank = 16 }, None);
        var (ibt, ia) = Factors(iso);
        AssertOrthogonalColumns(ibt);
        for (int j = 0; j < 16; j++) Assert.Equal(1.0, ibt.Column(j).L2Norm() * ia.Column(j).L2Norm() / sumSigma, 5);
        var stacked = Factors(UnitBlockOps.Concatenate(input.Sources)).BT;
        var q = stacked.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q;
        var outside = ibt - (q * (q.TransposeThisAndMultiply(ibt)));
        Assert.True(outside.FrobeniusNorm() < 1e-5 * ibt.FrobeniusNorm());
    }

    /// <summary>B (scales folded, d_out × r) and Aᵀ (d_in × r).</summary>
    private static (Matrix<double> BT, Matrix<double> A) Factors(UnitBlock block)
    {
        var b = Matrix<double>.Build.Dense(block.OutFeatures, block.Count, (o, k) => block.Scale[k] * block.BT[(k * block.OutFeatures) + o]);
        var a = Matrix<double>.Build.Dense(block.InFeatures, block.Count, (i, k) => block.A[(k * block.InFeatures) + i]);
        return (b, a);
    }

    private static double[] Spectrum(UnitBlock block)
    {
        var (b, a) = Factors(block);
        var evd = (b.TransposeThisAndMultiply(b) * a.TransposeThisAndMultiply(a)).Evd();
        return evd.EigenValues.Select(e => Math.Sqrt(Math.Max(0, e.Real))).ToArray();
    }

    private static void AssertOrthogonalColumns(Matrix<double> m)
    {
        var g = m.TransposeThisAndMultiply(m);
        for (int i = 0; i < g.RowCount; i++)
        {
            for (int j = 0; j < g.ColumnCount; j++)
            {
                if (i != j) Assert.True(Math.Abs(g[i, j]) < 1e-5 * Math.Sqrt(g[i, i] * g[j, j]), $"columns {i}, {j}");
            }
        }
    }
}
