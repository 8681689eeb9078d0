using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Tests.Pipeline;
using MathNet.Numerics.LinearAlgebra;
using Xunit;
using R = LoraLego.Tests.Formats.LycorisReference;

namespace LoraLego.Tests.Formats;

/// <summary>
/// LyCORIS networks read as LoRA units: every module's Scale·B·A (from the units the engine reads) equals the
/// dense delta computed in the test from the LyCORIS formulas (<see cref="LycorisReference"/>), ranks and scale
/// rules as LyCORIS/ComfyUI define them; refused networks give their error ids.
/// </summary>
public class LycorisTests
{
    private const string Linear = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
    private const string Conv = "lora_unet_down_blocks_0_resnets_0_conv1";
    private const double Tolerance = 1e-5;

    private static TestTensor T(string stem, string suffix, long[] shape, ulong seed) =>
        TestTensor.F32(stem + "." + suffix, shape, TestFiles.Values((int)shape.Aggregate(1L, (p, d) => p * d), seed));

    private static TestTensor Alpha(string stem, float alpha) => TestTensor.F32(stem + ".alpha", new long[0], new[] { alpha });

    private static LoraAdapter Load(TempFolder tmp, string name, IEnumerable<TestTensor> tensors)
    {
        var file = tmp.Combine(name + ".safetensors");
        TestFiles.WriteSafeTensors(file, tensors);
        return AdapterLoader.Load(file);
    }

    /// <summary>The module stored under <paramref name="stem"/> (its Name is its identity in the base model).</summary>
    private static LoraModule Stored(LoraAdapter adapter, string stem) => adapter.Modules.Single(m => m.StoredName == stem);

    /// <summary>Scale · B · A from the units the engine reads.</summary>
    private static Matrix<double> Read(LoraModule m) => Dense.Delta(m.ReadUnits());

    private static void AssertClose(Matrix<double> expected, Matrix<double> actual)
    {
        Assert.Equal((expected.RowCount, expected.ColumnCount), (actual.RowCount, actual.ColumnCount));
        double err = Dense.RelativeError(actual, expected);
        Assert.True(err <= Tolerance, $"relative error {err:E3}");
        Assert.True(Dense.Frobenius(expected) > 0.1, "the reference delta should not be trivially zero");
    }

    [Fact]
    public void LoconTucker_CoreFoldsIntoDown_EqualsEinsum()
    {
        using var tmp = new TempFolder();
        var down = T(Conv, "lora_down.weight", new long[] { 3, 5, 1, 1 }, 1);
        var mid = T(Conv, "lora_mid.weight", new long[] { 3, 3, 3, 3 }, 2);
        var up = T(Conv, "lora_up.weight", new long[] { 7, 3, 1, 1 }, 3);
        var m = Load(tmp, "locon", new[] { down, mid, up, Alpha(Conv, 1.5f) }).Modules.Single();

        Assert.Equal((NetworkType.LoCon, ModuleKind.Conv, 3, 45, 7), (m.NetworkType, m.Kind, m.Rank, m.InFeatures, m.OutFeatures));
        Assert.Equal(new long[] { 3, 5, 3, 3 }, m.AShape);
        Assert.Equal(new long[] { 7, 3, 1, 1 }, m.BShape);
        Assert.Equal(0.5, m.Scale, 12); // alpha / lora_down rows
        AssertClose(R.Scaled(R.LoconTucker(R.Tensor.Of(up), R.Tensor.Of(mid), R.Tensor.Of(down)), 0.5), Read(m));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Loha_IsLoraOfRankR1TimesR2_EqualsHadamardOfProducts(bool conv)
    {
        using var tmp = new TempFolder();
        var stem = conv ? Conv : Linear;
        int outF = 6, inF = conv ? 4 * 9 : 8; // a conv without Tucker stores its kernel flattened (LyCORIS modules/loha.py)
        var w1a = T(stem, "hada_w1_a", new long[] { outF, 3 }, 11);
        var w1b = T(stem, "hada_w1_b", new long[] { 3, inF }, 12);
        var w2a = T(stem, "hada_w2_a", new long[] { outF, 2 }, 13);
        var w2b = T(stem, "hada_w2_b", new long[] { 2, inF }, 14);
        var adapter = Load(tmp, "loha", new[] { w1a, w1b, w2a, w2b, Alpha(stem, 6f) });
        var m = adapter.Modules.Single();

        Assert.Equal((NetworkType.LoHa, 6, inF, outF), (m.NetworkType, m.Rank, m.InFeatures, m.OutFeatures));
        Assert.Equal(new[] { NetworkType.LoHa }, adapter.NetworkTypes);
        Assert.Equal(conv ? "unet.down_blocks.0.resnets.0.conv1" : "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", m.Name); // identity as for any kohya module
        Assert.Equal((6.0, 2.0), (m.Alpha, m.Scale)); // alpha / hada_w1_b rows
        var expected = R.Hadamard(R.MatMul(R.Tensor.Of(w1a), R.Tensor.Of(w1b)), R.MatMul(R.Tensor.Of(w2a), R.Tensor.Of(w2b)));
        AssertClose(R.Scaled(expected, 2.0), Read(m));
    }

    [Fact]
    public void LohaFlatConv_OnAKnownLayer_TakesTheLayersKernel()
    {
        // SD 1.x down_blocks.0.resnets.0.conv1 is a 3×3 conv 320 → 320; LoHa stores its w_b flat [r, 320·9].
        using var tmp = new TempFolder();
        var w1a = T(Conv, "hada_w1_a", new long[] { 320, 2 }, 101);
        var w1b = T(Conv, "hada_w1_b", new long[] { 2, 2880 }, 102);
        var w2a = T(Conv, "hada_w2_a", new long[] { 320, 2 }, 103);
        var w2b = T(Conv, "hada_w2_b", new long[] { 2, 2880 }, 104);
        var m = Load(tmp, "lohaconv", new[] { w1a, w1b, w2a, w2b, Alpha(Conv, 2f) }).Modules.Single();

        Assert.Equal("unet.down_blocks.0.resnets.0.conv1", m.Name);
        Assert.Equal((ModuleKind.Conv, 4, 2880, 320), (m.Kind, m.Rank, m.InFeatures, m.OutFeatures));
        Assert.Equal(new long[] { 4, 320, 3, 3 }, m.AShape);
        Assert.Equal(new long[] { 320, 4, 1, 1 }, m.BShape);
        var expected = R.Hadamard(R.MatMul(R.Tensor.Of(w1a), R.Tensor.Of(w1b)), R.MatMul(R.Tensor.Of(w2a), R.Tensor.Of(w2b)));
        AssertClose(R.Scaled(expected, 1.0), Read(m));
    }

    [Fact]
    public void LohaTucker_CoresFoldIntoDown_EqualsEinsumHadamard()
    {
        using var tmp = new TempFolder();
        var w1a = T(Conv, "hada_w1_a", new long[] { 2, 6 }, 21); // [r, out]: the Tucker layout
        var w1b = T(Conv, "hada_w1_b", new long[] { 2, 4 }, 22);
        var t1 = T(Conv, "hada_t1", new long[] { 2, 2, 3, 3 }, 23);
        var w2a = T(Conv, "hada_w2_a", new long[] { 3, 6 }, 24);
        var w2b = T(Conv, "hada_w2_b", new long[] { 3, 4 }, 25);
        var t2 = T(Conv, "hada_t2", new long[] { 3, 3, 3, 3 }, 26);
        var m = Load(tmp, "lohat", new[] { w1a, w1b, t1, w2a, w2b, t2, Alpha(Conv, 1f) }).Modules.Single();

        Assert.Equal((NetworkType.LoHa, ModuleKind.Conv, 6, 36, 6), (m.NetworkType, m.Kind, m.Rank, m.InFeatures, m.OutFeatures));
        Assert.Equal(new long[] { 6, 4, 3, 3 }, m.AShape);
        Assert.Equal(0.5, m.Scale, 12);
        var expected = R.Hadamard(
            R.TuckerRebuild(R.Tensor.Of(t1), R.Tensor.Of(w1a), R.Tensor.Of(w1b)),
            R.TuckerRebuild(R.Tensor.Of(t2), R.Tensor.Of(w2a), R.Tensor.Of(w2b)));
        AssertClose(R.Scaled(expected, 0.5), Read(m));
    }

    /// <summary>Linear LoKr, out 6 = 2·3, in 8 = 2·4; every combination of full and decomposed factors.</summary>
    [Theory]
    [InlineData(true, true, 6, 1.0)]     // both full: rank 2·3, scale 1 whatever alpha says
    [InlineData(true, false, 4, 2.0)]    // w2 = w2a·w2b of rank 2: alpha / 2
    [InlineData(false, true, 3, 4.0)]    // w1 = w1a·w1b of rank 1: alpha / 1
    [InlineData(false, false, 2, 2.0)]   // both: dim is w2_b's rows (ComfyUI)
    public void Lokr_Linear_EqualsKron(bool w1Full, bool w2Full, int rank, double scale)
    {
        using var tmp = new TempFolder();
        var tensors = new List<TestTensor> { Alpha(Linear, 4f) };
        double[,] w1, w2;
        if (w1Full)
        {
            var t = T(Linear, "lokr_w1", new long[] { 2, 2 }, 31);
            tensors.Add(t);
            w1 = R.Full(R.Tensor.Of(t));
        }
        else
        {
            var a = T(Linear, "lokr_w1_a", new long[] { 2, 1 }, 32);
            var b = T(Linear, "lokr_w1_b", new long[] { 1, 2 }, 33);
            tensors.AddRange(new[] { a, b });
            w1 = R.MatMul(R.Tensor.Of(a), R.Tensor.Of(b));
        }

        if (w2Full)
        {
            var t = T(Linear, "lokr_w2", new long[] { 3, 4 }, 34);
            tensors.Add(t);
            w2 = R.Full(R.Tensor.Of(t));
        }
        else
        {
            var a = T(Linear, "lokr_w2_a", new long[] { 3, 2 }, 35);
            var b = T(Linear, "lokr_w2_b", new long[] { 2, 4 }, 36);
            tensors.AddRange(new[] { a, b });
            w2 = R.MatMul(R.Tensor.Of(a), R.Tensor.Of(b));
        }

        var m = Load(tmp, "lokr", tensors).Modules.Single();
        Assert.Equal((NetworkType.LoKr, ModuleKind.Linear, rank, 8, 6), (m.NetworkType, m.Kind, m.Rank, m.InFeatures, m.OutFeatures));
        Assert.Equal(scale, m.Scale, 12);
        AssertClose(R.Scaled(R.Kron(w1, w2, 4), scale), Read(m));
    }

    [Theory]
    [InlineData("full")]
    [InlineData("flat")]
    [InlineData("tucker")]
    public void Lokr_Conv_EqualsKronReshapedToTheLayer(string w2Kind)
    {
        // Layer [6, 4, 3, 3]: w1 [2, 2] ⊗ w2 [3, 2, 3, 3].
        using var tmp = new TempFolder();
        var w1 = T(Conv, "lokr_w1", new long[] { 2, 2 }, 41);
        var tensors = new List<TestTensor> { w1, Alpha(Conv, 3f) };
        double[,] w2;
        int rank2;
        switch (w2Kind)
        {
            case "full":
                var full = T(Conv, "lokr_w2", new long[] { 3, 2, 3, 3 }, 42);
                tensors.Add(full);
                w2 = R.Full(R.Tensor.Of(full));
                rank2 = 3;
                break;
            case "flat":
                // LyCORIS modules/lokr.py, conv without Tucker: w2_b [r, in_k·kh·kw].
                var a = T(Conv, "lokr_w2_a", new long[] { 3, 2 }, 43);
                var b = T(Conv, "lokr_w2_b", new long[] { 2, 18 }, 44);
                tensors.AddRange(new[] { a, b });
                w2 = R.MatMul(R.Tensor.Of(a), R.Tensor.Of(b));
                rank2 = 2;
                break;
            default:
                var ta = T(Conv, "lokr_w2_a", new long[] { 2, 3 }, 45);
                var tb = T(Conv, "lokr_w2_b", new long[] { 2, 2 }, 46);
                var t2 = T(Conv, "lokr_t2", new long[] { 2, 2, 3, 3 }, 47);
                tensors.AddRange(new[] { ta, tb, t2 });
                w2 = R.TuckerRebuild(R.Tensor.Of(t2), R.Tensor.Of(ta), R.Tensor.Of(tb));
                rank2 = 2;
                break;
        }

        var m = Load(tmp, "lokrconv", tensors).Modules.Single();
        double scale = w2Kind == "full" ? 1.0 : 1.5; // nothing decomposed: 1; else alpha 3 over w2_b's 2 rows
        Assert.Equal((2 * rank2, 36, 6), (m.Rank, m.InFeatures, m.OutFeatures));
        Assert.Equal(scale, m.Scale, 12);
        if (w2Kind == "flat")
        {
            Assert.Equal(ModuleKind.Linear, m.Kind); // the kernel is not in the tensors: A is stored flat
            Assert.Equal(new long[] { 4, 36 }, m.AShape);
        }
        else
        {
            Assert.Equal(ModuleKind.Conv, m.Kind);
            Assert.Equal(new long[] { 2 * rank2, 4, 3, 3 }, m.AShape);
        }

        AssertClose(R.Scaled(R.Kron(R.Full(R.Tensor.Of(w1)), w2, 2), scale), Read(m));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0f)]
    public void MissingOrZeroAlpha_IsAlphaEqualsDim(float? alpha)
    {
        using var tmp = new TempFolder();
        var tensors = new List<TestTensor>
        {
            T(Linear, "hada_w1_a", new long[] { 4, 3 }, 51), T(Linear, "hada_w1_b", new long[] { 3, 5 }, 52),
            T(Linear, "hada_w2_a", new long[] { 4, 3 }, 53), T(Linear, "hada_w2_b", new long[] { 3, 5 }, 54),
            T(Conv, "lokr_w1", new long[] { 2, 2 }, 55), T(Conv, "lokr_w2_a", new long[] { 2, 2 }, 56), T(Conv, "lokr_w2_b", new long[] { 2, 3 }, 57),
        };
        if (alpha is float a) tensors.AddRange(new[] { Alpha(Linear, a), Alpha(Conv, a) });
        var adapter = Load(tmp, "noalpha", tensors);
        Assert.Equal((3.0, 1.0), (Stored(adapter, Linear).Alpha, Stored(adapter, Linear).Scale));
        Assert.Equal((2.0, 1.0), (Stored(adapter, Conv).Alpha, Stored(adapter, Conv).Scale));
    }

    [Fact]
    public void OneFile_MixesLoraLoconLohaLokr_AllRead()
    {
        using var tmp = new TempFolder();
        const string te = "lora_te1_text_model_encoder_layers_0_self_attn_q_proj";
        const string lyc = "lycoris_blocks_0_attn_qkv";
        var adapter = Load(tmp, "mixed", new[]
        {
            T(te, "lora_down.weight", new long[] { 2, 8 }, 61), T(te, "lora_up.weight", new long[] { 8, 2 }, 62), Alpha(te, 1f),
            T(Conv, "lora_down.weight", new long[] { 2, 4, 1, 1 }, 63), T(Conv, "lora_mid.weight", new long[] { 2, 2, 3, 3 }, 64),
            T(Conv, "lora_up.weight", new long[] { 6, 2, 1, 1 }, 65), Alpha(Conv, 2f),
            T(Linear, "hada_w1_a", new long[] { 6, 2 }, 66), T(Linear, "hada_w1_b", new long[] { 2, 8 }, 67),
            T(Linear, "hada_w2_a", new long[] { 6, 2 }, 68), T(Linear, "hada_w2_b", new long[] { 2, 8 }, 69), Alpha(Linear, 2f),
            T(lyc, "lokr_w1", new long[] { 2, 2 }, 70), T(lyc, "lokr_w2", new long[] { 3, 4 }, 71),
        });

        Assert.Equal(AdapterFormat.Kohya, adapter.Format);
        Assert.Equal(new[] { NetworkType.Lora, NetworkType.LoCon, NetworkType.LoHa, NetworkType.LoKr }, adapter.NetworkTypes);
        Assert.Equal((NetworkType.Lora, 2), (Stored(adapter, te).NetworkType, Stored(adapter, te).Rank));
        Assert.Equal((NetworkType.LoCon, 2), (Stored(adapter, Conv).NetworkType, Stored(adapter, Conv).Rank));
        Assert.Equal((NetworkType.LoHa, 4), (Stored(adapter, Linear).NetworkType, Stored(adapter, Linear).Rank));
        Assert.Equal((NetworkType.LoKr, 6), (Stored(adapter, lyc).NetworkType, Stored(adapter, lyc).Rank));
        Assert.Empty(adapter.ExtraTensors);
        Assert.Equal((16 + 16) + (8 + 36 + 12) + (12 + 16 + 12 + 16) + (4 + 12), adapter.ParameterCount); // stored values, alphas not counted
    }

    [Fact]
    public void ConcatOfLohaAndPlainLora_IsTheSumOfTheDenseDeltas()
    {
        using var tmp = new TempFolder();
        var w1a = T(Linear, "hada_w1_a", new long[] { 6, 2 }, 81);
        var w1b = T(Linear, "hada_w1_b", new long[] { 2, 8 }, 82);
        var w2a = T(Linear, "hada_w2_a", new long[] { 6, 3 }, 83);
        var w2b = T(Linear, "hada_w2_b", new long[] { 3, 8 }, 84);
        var loha = Load(tmp, "loha", new[] { w1a, w1b, w2a, w2b, Alpha(Linear, 1f) });
        var down = T(Linear, "lora_down.weight", new long[] { 4, 8 }, 85);
        var up = T(Linear, "lora_up.weight", new long[] { 6, 4 }, 86);
        var lora = Load(tmp, "lora", new[] { down, up, Alpha(Linear, 2f) });

        var units = PipelineHarness.Split(new[] { loha, lora });
        Assert.Equal(2 * 3 + 4, units.Count);
        var merged = PipelineHarness.Merge(units, tmp.Combine("merged"));

        var expected = R.Scaled(R.Hadamard(R.MatMul(R.Tensor.Of(w1a), R.Tensor.Of(w1b)), R.MatMul(R.Tensor.Of(w2a), R.Tensor.Of(w2b))), 0.5)
            + R.Scaled(R.MatMul(R.Tensor.Of(up), R.Tensor.Of(down)), 0.5);
        var module = merged.Modules.Single();
        Assert.Equal(10, module.Rank);
        AssertClose(expected, Dense.Delta(module));
    }

    [Fact]
    public void ClusterOfLohaAndLokrUnits_WithKEqualToTheUnitCount_IsTheSumOfTheDenseDeltas()
    {
        using var tmp = new TempFolder();
        var w1a = T(Linear, "hada_w1_a", new long[] { 6, 2 }, 111);
        var w1b = T(Linear, "hada_w1_b", new long[] { 2, 8 }, 112);
        var w2a = T(Linear, "hada_w2_a", new long[] { 6, 3 }, 113);
        var w2b = T(Linear, "hada_w2_b", new long[] { 3, 8 }, 114);
        var loha = Load(tmp, "loha", new[] { w1a, w1b, w2a, w2b, Alpha(Linear, 4f) });
        var k1 = T(Linear, "lokr_w1", new long[] { 2, 2 }, 115);
        var k2a = T(Linear, "lokr_w2_a", new long[] { 3, 2 }, 116);
        var k2b = T(Linear, "lokr_w2_b", new long[] { 2, 4 }, 117);
        var lokr = Load(tmp, "lokr", new[] { k1, k2a, k2b, Alpha(Linear, 1f) });

        var options = new LoraLego.Merging.MergeOptions
        {
            Rank = 10,
            Seed = 3,
            Lego = new LoraLego.Merging.LegoOptions { ParameterReweighting = LoraLego.Merging.ParameterReweighting.Off, OutputReweighting = LoraLego.Merging.OutputReweighting.Off },
        };
        var centroids = PipelineHarness.Cluster(PipelineHarness.Split(new[] { loha, lokr }), options);
        Assert.Equal(10, centroids.Count);
        var merged = PipelineHarness.Merge(centroids, tmp.Combine("clustered"));

        var expected = R.Scaled(R.Hadamard(R.MatMul(R.Tensor.Of(w1a), R.Tensor.Of(w1b)), R.MatMul(R.Tensor.Of(w2a), R.Tensor.Of(w2b))), 2.0)
            + R.Scaled(R.Kron(R.Full(R.Tensor.Of(k1)), R.MatMul(R.Tensor.Of(k2a), R.Tensor.Of(k2b)), 4), 0.5);
        AssertClose(expected, Dense.Delta(merged.Modules.Single()));
    }

    [Theory]
    [InlineData("oft_blocks", new long[] { 4, 2, 2 }, "OFT/BOFT", "needs the base weights")]
    [InlineData("oft_diag", new long[] { 4, 2, 2 }, "OFT", "needs the base weights")]
    [InlineData("diff", new long[] { 6, 8 }, "full weight difference", "not low-rank")]
    [InlineData("on_input", new long[0], "IA3", "needs the base weights")]
    [InlineData("a1.weight", new long[] { 2, 8 }, "GLoRA", "needs the base weights")]
    public void NetworksThatAreNotBA_AreRefusedNamingFileModuleAndWhy(string suffix, long[] shape, string network, string why)
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("refused.safetensors");
        TestFiles.WriteSafeTensors(file, new[]
        {
            T(Linear, "lora_down.weight", new long[] { 2, 8 }, 91), T(Linear, "lora_up.weight", new long[] { 6, 2 }, 92),
            T(Conv, suffix, shape, 93),
        });
        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(file));
        Assert.Equal("AdapterTypeNotSupported", e.ErrorId);
        Assert.Equal(Conv, e.Module);
        Assert.Contains(file, e.Message);
        Assert.Contains(network, e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void LohaWithoutAFactor_IsLoraFactorMissing()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("lone.safetensors");
        TestFiles.WriteSafeTensors(file, new[]
        {
            T(Linear, "hada_w1_a", new long[] { 6, 2 }, 1), T(Linear, "hada_w1_b", new long[] { 2, 8 }, 2), T(Linear, "hada_w2_a", new long[] { 6, 2 }, 3),
        });
        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(file));
        Assert.Equal("LoraFactorMissing", e.ErrorId);
        Assert.Contains("hada_w2_b", e.Message);
    }

    [Fact]
    public void LohaHalvesOfDifferentShapes_IsLoraShapeMismatch()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("bad.safetensors");
        TestFiles.WriteSafeTensors(file, new[]
        {
            T(Linear, "hada_w1_a", new long[] { 6, 2 }, 1), T(Linear, "hada_w1_b", new long[] { 2, 8 }, 2),
            T(Linear, "hada_w2_a", new long[] { 6, 2 }, 3), T(Linear, "hada_w2_b", new long[] { 2, 9 }, 4),
        });
        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(file));
        Assert.Equal("LoraShapeMismatch", e.ErrorId);
        Assert.Equal(Linear, e.Module);
    }

    [Theory]
    [InlineData("lora_mid.weight", new long[] { 2, 2, 0, 3 })]
    [InlineData("lokr_w2_b", new long[] { 0, 4 })]
    [InlineData("hada_t1", new long[] { 2, 3, 3, 3 })]
    public void EmptyOrMismatchedFactor_IsLoraShapeMismatchNamingTheModule(string suffix, long[] shape)
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("bad.safetensors");
        var tensors = suffix switch
        {
            "lora_mid.weight" => new[] { T(Conv, "lora_down.weight", new long[] { 2, 4, 1, 1 }, 1), T(Conv, "lora_up.weight", new long[] { 6, 2, 1, 1 }, 2) },
            "lokr_w2_b" => new[] { T(Conv, "lokr_w1", new long[] { 2, 2 }, 1), T(Conv, "lokr_w2_a", new long[] { 3, 2 }, 2) },
            _ => new[]
            {
                T(Conv, "hada_w1_a", new long[] { 2, 6 }, 1), T(Conv, "hada_w1_b", new long[] { 2, 4 }, 2), T(Conv, "hada_w2_a", new long[] { 2, 6 }, 3),
                T(Conv, "hada_w2_b", new long[] { 2, 4 }, 4), T(Conv, "hada_t2", new long[] { 2, 2, 3, 3 }, 5),
            },
        };
        TestFiles.WriteSafeTensors(file, tensors.Append(T(Conv, suffix, shape, 9)));
        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(file));
        Assert.Equal("LoraShapeMismatch", e.ErrorId);
        Assert.Equal(Conv, e.Module);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void DoraScale_LoadsAsDora()
    {
        using var tmp = new TempFolder();
        var adapter = Load(tmp, "dora", new[]
        {
            T(Linear, "hada_w1_a", new long[] { 6, 2 }, 1), T(Linear, "hada_w1_b", new long[] { 2, 8 }, 2),
            T(Linear, "hada_w2_a", new long[] { 6, 2 }, 3), T(Linear, "hada_w2_b", new long[] { 2, 8 }, 4),
            T(Linear, "dora_scale", new long[] { 1, 8 }, 5),
        });
        Assert.True(adapter.IsDora);
        Assert.Equal(Linear + ".dora_scale", adapter.ExtraTensors.Single().Name);
    }

    [Fact]
    public void RankSizeAndKeys_ComeFromTheHeader()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("lazy.safetensors");
        TestFiles.WriteSafeTensors(file, new[]
        {
            T(Linear, "lokr_w1", new long[] { 2, 2 }, 1), T(Linear, "lokr_w2_a", new long[] { 3, 2 }, 2), T(Linear, "lokr_w2_b", new long[] { 2, 4 }, 3),
        });
        var adapter = AdapterLoader.Load(file);
        Assert.Equal(4, adapter.Modules.Single().Rank);
        Assert.Equal(4 + 6 + 8, adapter.ParameterCount);
        Assert.Equal("F32", adapter.DType);
        Assert.Equal(Linear + ".lokr_w2_b", adapter.Modules.Single().AKey);
    }
}
