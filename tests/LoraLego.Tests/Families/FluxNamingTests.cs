using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Tests.Formats;
using LoraLego.Units;
using Xunit;
using static LoraLego.Tests.Families.StoredModule;

namespace LoraLego.Tests.Families;

/// <summary>Identity-named Flux modules back to BFL layers for writing: fused exactly, at Σr or (one fused source) at r.</summary>
public sealed class FluxNamingTests
{
    private const int H = 3072;

    private static (LoraAdapter Adapter, List<StoredModule> Stored) Load(TempFolder tmp, string name, params StoredModule[] stored)
    {
        var file = tmp.Combine(name + ".safetensors");
        TestFiles.WriteSafeTensors(file, stored.SelectMany(s => s.Tensors()));
        return (AdapterLoader.Load(file), stored.ToList());
    }

    private static Func<OutputModule, CancellationToken, UnitBlock> ReadFrom(LoraAdapter adapter) =>
        (m, _) => adapter.GetModule(m.Name)!.ReadUnits();

    [Fact]
    public void SplitParts_WithTheirOwnFactors_FuseBlockDiagonally_RanksAddUp_DeltaIsTheStackedPartDeltas()
    {
        using var tmp = new TempFolder();
        var q = Of("transformer.transformer_blocks.2.attn.to_q", PeftSuffix, 2, H, H, 1, null, Whole("transformer.transformer_blocks.2.attn.to_q", H));
        var k = Of("transformer.transformer_blocks.2.attn.to_k", PeftSuffix, 1, H, H, 2, 4f, Whole("transformer.transformer_blocks.2.attn.to_k", H));
        var v = Of("transformer.transformer_blocks.2.attn.to_v", PeftSuffix, 2, H, H, 3, null, Whole("transformer.transformer_blocks.2.attn.to_v", H));
        var (adapter, _) = Load(tmp, "split", v, q, k);

        var plan = FluxNaming.ToBfl(adapter.Modules.Select(m => OutputModule.Like(m, m.Rank)).ToList());

        var fused = Assert.Single(plan.Modules);
        Assert.Equal("double_blocks.2.img_attn.qkv", fused.BflPath);
        Assert.False(fused.SharesA);
        Assert.Equal((5, H, 3 * H), (fused.Module.Rank, fused.Module.InFeatures, fused.Module.OutFeatures));
        Assert.Equal(new[] { q, k, v }.Select(s => s.Expect[0].Identity), fused.Parts.Select(p => p.Name));

        var units = plan.Produce(fused.Module, ReadFrom(adapter));
        var cols = FluxDelta.Columns(H);
        var actual = FluxDelta.Of(units, cols);
        var layer = FluxModelLayers.Diffusers().Where(d => d.BflPath == "double_blocks.2.img_attn.qkv").ToList();
        foreach (var (s, d) in new[] { q, k, v }.Zip(layer.OrderBy(d => d.RowStart), (s, d) => (s, d)))
        {
            // The fused delta's rows of each part are that part's own delta.
            var expected = FluxDelta.Expected(s, s.Expect[0], cols);
            var rows = new double[H, cols.Length];
            for (int i = 0; i < H; i++)
            {
                for (int c = 0; c < cols.Length; c++) rows[i, c] = actual[FluxModelLayers.BflRow(d, i), c];
            }

            FluxDelta.AssertClose(expected, rows, d.Path);
        }
    }

    /// <summary>A fused module's units written as kohya tensors by hand (scales folded into A, alpha absent: scale 1).</summary>
    private static IEnumerable<TestTensor> AsKohya(string stem, UnitBlock u)
    {
        int n = u.Count;
        var a = new float[n * u.InFeatures];
        var b = new float[u.OutFeatures * n];
        for (int i = 0; i < n; i++)
        {
            for (int c = 0; c < u.InFeatures; c++) a[(i * u.InFeatures) + c] = (float)(u.A[(i * u.InFeatures) + c] * u.Scale[i]);
            for (int r = 0; r < u.OutFeatures; r++) b[(r * n) + i] = u.BT[(i * u.OutFeatures) + r];
        }

        yield return TestTensor.F32(stem + ".lora_down.weight", new long[] { n, u.InFeatures }, a);
        yield return TestTensor.F32(stem + ".lora_up.weight", new long[] { u.OutFeatures, n }, b);
    }

    [Fact]
    public void BlockDiagonalOutput_WithItsPartRanks_ReadsBackAsThePartsAtTheirOwnRanks()
    {
        using var tmp = new TempFolder();
        var q = Of("transformer.transformer_blocks.2.attn.to_q", PeftSuffix, 2, H, H, 1, null, Whole("transformer.transformer_blocks.2.attn.to_q", H));
        var k = Of("transformer.transformer_blocks.2.attn.to_k", PeftSuffix, 1, H, H, 2, 4f, Whole("transformer.transformer_blocks.2.attn.to_k", H));
        var v = Of("transformer.transformer_blocks.2.attn.to_v", PeftSuffix, 2, H, H, 3, null, Whole("transformer.transformer_blocks.2.attn.to_v", H));
        var (adapter, _) = Load(tmp, "split", q, k, v);
        var plan = FluxNaming.ToBfl(adapter.Modules);
        var fused = plan.Modules.Single();

        var ranks = plan.PartRanks(FluxNaming.KohyaName);
        Assert.Equal("{\"lora_unet_double_blocks_2_img_attn_qkv\":[[0,2],[2,1],[3,2]]}", ranks);

        var file = tmp.Combine("fused.safetensors");
        TestFiles.WriteSafeTensors(file, AsKohya("lora_unet_double_blocks_2_img_attn_qkv", plan.Produce(fused.Module, ReadFrom(adapter))),
            new Dictionary<string, string> { [LoraLego.Adapters.Flux.FluxPartRanks.MetadataKey] = ranks! });
        var back = AdapterLoader.Load(file);

        foreach (var s in new[] { q, k, v })
        {
            var m = back.GetModule(s.Expect[0].Identity)!;
            Assert.Equal(s.Rank, m.Rank);
            var cols = FluxDelta.Columns(H);
            FluxDelta.AssertClose(FluxDelta.Expected(s, s.Expect[0], cols), FluxDelta.Of(m.ReadUnits(), cols), s.Expect[0].Identity, 1e-6);
        }

        // Without the entry the same file reads as one fused LoRA: every part at rank 5, the same deltas.
        var plain = tmp.Combine("plain.safetensors");
        TestFiles.WriteSafeTensors(plain, AsKohya("lora_unet_double_blocks_2_img_attn_qkv", plan.Produce(fused.Module, ReadFrom(adapter))));
        Assert.All(AdapterLoader.Load(plain).Modules, m => Assert.Equal(5, m.Rank));
    }

    [Fact]
    public void PartialSharedOutput_WithItsPartRanks_ReadsBackWithoutTheAbsentPart()
    {
        using var tmp = new TempFolder();
        var xlabs = Of("single_blocks.1.processor.qkv_lora", XLabsSuffix, 1, H, 3 * H, 35, null, PartsOf("single_blocks.1.linear1", take: 3));
        var (adapter, _) = Load(tmp, "xlabs", xlabs);
        var plan = FluxNaming.ToBfl(adapter.Modules);
        var fused = plan.Modules.Single();
        Assert.True(fused.SharesA);

        var ranks = plan.PartRanks(FluxNaming.KohyaName);
        Assert.Equal("{\"lora_unet_single_blocks_1_linear1\":[[0,1],[0,1],[0,1],[0,0]]}", ranks);
        var file = tmp.Combine("linear1.safetensors");
        TestFiles.WriteSafeTensors(file, AsKohya("lora_unet_single_blocks_1_linear1", plan.Produce(fused.Module, ReadFrom(adapter))),
            new Dictionary<string, string> { [LoraLego.Adapters.Flux.FluxPartRanks.MetadataKey] = ranks! });

        var back = AdapterLoader.Load(file);

        Assert.Equal(xlabs.Expect.Select(e => e.Identity).OrderBy(n => n, StringComparer.Ordinal), back.Modules.Select(m => m.Name));

        // A fused LoRA with all its parts needs no entry: it reads back as it is.
        var whole = Of("lora_unet_double_blocks_1_txt_attn_qkv", KohyaSuffix, 2, H, 3 * H, 3, 1f, PartsOf("double_blocks.1.txt_attn.qkv"));
        var (kohya, _) = Load(tmp, "kohya", whole);
        Assert.Null(FluxNaming.ToBfl(kohya.Modules).PartRanks(FluxNaming.KohyaName));
    }

    [Fact]
    public void MissingParts_AreZeroRows()
    {
        using var tmp = new TempFolder();
        var mlp = Of("transformer.single_transformer_blocks.4.proj_mlp", PeftSuffix, 1, H, 4 * H, 7, null, Whole("transformer.single_transformer_blocks.4.proj_mlp", 4 * H));
        var (adapter, _) = Load(tmp, "mlp", mlp);

        var plan = FluxNaming.ToBfl(adapter.Modules.Select(m => OutputModule.Like(m, m.Rank)).ToList());
        var fused = Assert.Single(plan.Modules);
        Assert.Equal("single_blocks.4.linear1", fused.BflPath);
        Assert.Equal((1, 7 * H), (fused.Module.Rank, fused.Module.OutFeatures));

        var b = plan.Produce(fused.Module, ReadFrom(adapter)).UnitB(0);
        Assert.True(b.Slice(0, 3 * H).ToArray().All(x => x == 0), "q/k/v rows of linear1 must be zero");
        Assert.Equal(mlp.B, b.Slice(3 * H).ToArray());
    }

    [Theory]
    [InlineData("lora_unet_single_blocks_7_linear1", "single_blocks.7.linear1", 21504)]
    [InlineData("lora_unet_double_blocks_1_txt_attn_qkv", "double_blocks.1.txt_attn.qkv", 9216)]
    public void PartsOfOneFusedLora_FuseBackAtItsRank_ToTheStoredFactors(string stem, string bflPath, int rows)
    {
        using var tmp = new TempFolder();
        var s = Of(stem, KohyaSuffix, 2, H, rows, 3, 1f, PartsOf(bflPath));
        var (adapter, _) = Load(tmp, "fused", s);
        Assert.True(adapter.ModuleCount > 1);

        var plan = FluxNaming.ToBfl(adapter.Modules);

        var fused = Assert.Single(plan.Modules);
        Assert.Equal(bflPath, fused.BflPath);
        Assert.True(fused.SharesA);
        Assert.Equal(2, fused.Module.Rank);
        var units = plan.Produce(fused.Module, ReadFrom(adapter));
        Assert.Equal(s.A, units.A);
        for (int i = 0; i < rows; i++)
        {
            for (int k = 0; k < 2; k++) Assert.Equal(s.B[(i * 2) + k], units.BT[(k * rows) + i]);
        }

        Assert.All(units.Scale, x => Assert.Equal(0.5, x));
    }

    [Fact]
    public void SplitQkvParts_FuseBackBlockDiagonally_ToTheStoredFactors()
    {
        using var tmp = new TempFolder();
        var s = Of("lora_unet_double_blocks_2_img_attn_qkv", KohyaSuffix, 3, H, 3 * H, 51, 3f, PartsOf("double_blocks.2.img_attn.qkv"));
        for (int p = 0; p < 3; p++)
        {
            foreach (var i in Enumerable.Range(p * H, H))
            {
                for (int k = 0; k < 3; k++) s.B[(i * 3) + k] = k == p ? s.B[(i * 3) + k] : 0;
            }
        }

        var file = tmp.Combine("split.safetensors");
        TestFiles.WriteSafeTensors(file, s.Tensors(), new Dictionary<string, string> { ["ss_network_args"] = "{\"split_qkv\": \"True\"}" });
        var adapter = AdapterLoader.Load(file);
        Assert.All(adapter.Modules, m => Assert.Equal(1, m.Rank));

        Assert.False(FluxNaming.PartsShareA(adapter.Modules));
        var plan = FluxNaming.ToBfl(adapter.Modules);
        var fused = Assert.Single(plan.Modules);
        Assert.Equal(3, fused.Module.Rank);
        var units = plan.Produce(fused.Module, ReadFrom(adapter));
        Assert.Equal(s.A, units.A);
        for (int i = 0; i < 3 * H; i++)
        {
            for (int k = 0; k < 3; k++) Assert.Equal(s.B[(i * 3) + k], units.BT[(k * 3 * H) + i]);
        }
    }

    [Fact]
    public void SharingIsOnlyClaimedWhenTheAsAreBitwiseEqual()
    {
        using var tmp = new TempFolder();
        var q = Of("transformer.transformer_blocks.0.attn.to_q", PeftSuffix, 1, H, H, 1, null);
        var k = Of("transformer.transformer_blocks.0.attn.to_k", PeftSuffix, 1, H, H, 2, null);
        var (adapter, _) = Load(tmp, "two", q, k);

        Assert.False(FluxNaming.PartsShareA(adapter.Modules));
        var plan = FluxNaming.ToBfl(adapter.Modules);
        Assert.Equal(2, plan.Modules.Single().Module.Rank);

        // Same A, written as two diffusers modules (what diffusers' own conversion of a fused LoRA writes): shared again.
        var sameA = new StoredModule("transformer.transformer_blocks.0.attn.to_v.lora_A.weight", "transformer.transformer_blocks.0.attn.to_v.lora_B.weight", 1, H, H, 1, null, null);
        var (adapter2, _) = Load(tmp, "same", q, sameA);
        Assert.True(FluxNaming.PartsShareA(adapter2.Modules));
        var shared = FluxNaming.ToBfl(adapter2.Modules).Modules.Single();
        Assert.Equal(1, shared.Module.Rank);
        var b = FluxNaming.ToBfl(adapter2.Modules).Produce(shared.Module, ReadFrom(adapter2)).UnitB(0);
        Assert.Equal(q.B, b.Slice(0, H).ToArray());
        Assert.True(b.Slice(H, H).ToArray().All(x => x == 0));
        Assert.Equal(sameA.B, b.Slice(2 * H).ToArray());
    }

    [Fact]
    public void PlannedSharingThatTheUnitsContradict_IsAnError()
    {
        using var tmp = new TempFolder();
        var q = Of("transformer.transformer_blocks.0.attn.to_q", PeftSuffix, 1, H, H, 1, null);
        var k = Of("transformer.transformer_blocks.0.attn.to_k", PeftSuffix, 1, H, H, 2, null);
        var (adapter, _) = Load(tmp, "two", q, k);

        var plan = FluxNaming.ToBfl(adapter.Modules.Select(m => OutputModule.Like(m, m.Rank)).ToList(), _ => true);
        var fused = plan.Modules.Single();

        var e = Assert.Throws<AdapterException>(() => plan.Produce(fused.Module, ReadFrom(adapter)));
        Assert.Equal(AdapterErrorIds.OutputUnitsMismatch, e.ErrorId);
    }

    [Fact]
    public void NormOut_IsWrittenWithItsHalvesSwappedBack_AndOtherModulesPassThrough()
    {
        using var tmp = new TempFolder();
        var norm = Of("transformer.norm_out.linear", PeftSuffix, 1, H, 2 * H, 9, null);
        var te = Of("text_encoder.text_model.encoder.layers.3.self_attn.k_proj", PeftSuffix, 1, 768, 768, 10, null);
        var (adapter, _) = Load(tmp, "norm", norm, te);

        var plan = FluxNaming.ToBfl(adapter.Modules);

        // The adapter lists its modules sorted by name; the plan keeps the order it was given.
        Assert.Equal(new[] { "final_layer.adaLN_modulation.1", null }, plan.Modules.Select(m => m.BflPath).OrderBy(p => p is null));
        var passed = plan.Modules.Single(m => m.BflPath is null);
        Assert.Equal("text_encoder.text_model.encoder.layers.3.self_attn.k_proj", passed.Module.Name);
        Assert.Equal(te.B, plan.Produce(passed.Module, ReadFrom(adapter)).UnitB(0).ToArray());

        var b = plan.Produce(plan.Modules.Single(m => m.BflPath is not null).Module, ReadFrom(adapter)).UnitB(0);
        Assert.Equal(norm.B.Skip(H), b.Slice(0, H).ToArray());
        Assert.Equal(norm.B.Take(H), b.Slice(H).ToArray());
    }

    [Fact]
    public void BflFileReadAndFusedBack_GivesEveryStoredModuleBack()
    {
        using var tmp = new TempFolder();
        var stored = FluxReaderTests.Crafted("kohya").Where(s => s.Expect[0].Identity.StartsWith("transformer.", StringComparison.Ordinal)).ToArray();
        var (adapter, _) = Load(tmp, "kohya", stored);

        var plan = FluxNaming.ToBfl(adapter.Modules);

        var expectedPaths = stored.Select(s => s.Down.Substring("lora_unet_".Length, s.Down.Length - "lora_unet_".Length - ".lora_down.weight".Length)).ToList();
        Assert.Equal(expectedPaths.OrderBy(p => p, StringComparer.Ordinal), plan.Modules.Select(m => FluxNaming.KohyaName(m.BflPath!).Substring("lora_unet_".Length)).OrderBy(p => p, StringComparer.Ordinal));
        foreach (var s in stored)
        {
            var m = plan.Modules.Single(p => FluxNaming.KohyaName(p.BflPath!) + ".lora_down.weight" == s.Down);
            Assert.True(m.SharesA);
            var units = plan.Produce(m.Module, ReadFrom(adapter));
            Assert.Equal(s.A, units.A);
            var bt = new float[s.B.Length];
            for (int i = 0; i < s.Out; i++)
            {
                for (int k = 0; k < s.Rank; k++) bt[(k * s.Out) + i] = s.B[(i * s.Rank) + k];
            }

            Assert.Equal(bt, units.BT);
            Assert.All(units.Scale, x => Assert.Equal(s.Scale, x));
        }
    }

    [Fact]
    public void WidthsThatAreNotFlux_AreRefused()
    {
        var odd = new OutputModule("transformer.transformer_blocks.0.attn.to_q", ModuleKind.Linear, 64, 64, 1,
            identity: new ModuleIdentity(ModelFamily.Flux1, ModelComponent.Transformer, "transformer_blocks.0.attn.to_q"));
        var e = Assert.Throws<AdapterException>(() => FluxNaming.ToBfl(new[] { odd }));
        Assert.Equal(AdapterErrorIds.OutputModuleInvalid, e.ErrorId);
    }
}
