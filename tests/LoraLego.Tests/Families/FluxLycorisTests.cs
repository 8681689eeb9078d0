using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Tests.Formats;
using Xunit;
using static LoraLego.Tests.Families.StoredModule;

namespace LoraLego.Tests.Families;

/// <summary>LyCORIS networks on FLUX.1 layers: split like LoRA pairs, deltas equal the LyCORIS formulas row for row.</summary>
public sealed class FluxLycorisTests
{
    private const int H = 3072;

    private static TestTensor T(string name, int rows, int cols, ulong seed) =>
        TestTensor.F32(name, new long[] { rows, cols }, TestFiles.Values(rows * cols, seed));

    private static double Dot(TestTensor up, TestTensor down, int row, int col)
    {
        int r = (int)up.Shape[1], cols = (int)down.Shape[1];
        double s = 0;
        for (int k = 0; k < r; k++) s += (double)up.Data[(row * r) + k] * down.Data[(k * cols) + col];
        return s;
    }

    private static void AssertParts(LoraAdapter adapter, IEnumerable<ExpectedPart> parts, int inF, Func<int, int, double> dense)
    {
        var cols = FluxDelta.Columns(inF);
        foreach (var part in parts)
        {
            var expected = new double[part.Rows, cols.Length];
            for (int i = 0; i < part.Rows; i++)
            {
                for (int c = 0; c < cols.Length; c++) expected[i, c] = dense(part.StoredRow(i), cols[c]);
            }

            var m = adapter.GetModule(part.Identity)!;
            // The LyCORIS factors are computed in float32 (the bound for F32: 1e-6 relative).
            FluxDelta.AssertClose(expected, FluxDelta.Of(m.ReadUnits(), cols), part.Identity, 1e-6);
        }
    }

    [Fact]
    public void LohaOnAFusedQkv_SplitsIntoQkv_DeltaIsTheHadamardProductsRows()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("loha.safetensors");
        const string Stem = "lora_unet_double_blocks_0_img_attn_qkv";
        var w1a = T(Stem + ".hada_w1_a", 3 * H, 2, 1);
        var w1b = T(Stem + ".hada_w1_b", 2, H, 2);
        var w2a = T(Stem + ".hada_w2_a", 3 * H, 2, 3);
        var w2b = T(Stem + ".hada_w2_b", 2, H, 4);
        TestFiles.WriteSafeTensors(file, new[] { w1a, w1b, w2a, w2b, TestTensor.F32(Stem + ".alpha", new long[0], new[] { 1f }) });

        var adapter = AdapterLoader.Load(file);

        Assert.Equal(ModelFamily.Flux1, adapter.Family);
        var parts = PartsOf("double_blocks.0.img_attn.qkv");
        Assert.Equal(parts.Select(p => p.Identity).OrderBy(n => n, StringComparer.Ordinal), adapter.Modules.Select(m => m.Name));
        Assert.Equal(w1a.Data.Length + w1b.Data.Length + w2a.Data.Length + w2b.Data.Length, adapter.ParameterCount);

        // LoHa: ΔW = (w1a·w1b) ⊙ (w2a·w2b) · alpha / dim, dim = w1b's rows (2).
        AssertParts(adapter, parts, H, (row, col) => 0.5 * Dot(w1a, w1b, row, col) * Dot(w2a, w2b, row, col));
    }

    [Fact]
    public void LokrInSimpleTunerNames_IsItsDiffusersLayer_DeltaIsTheKroneckerProduct()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("lokr.safetensors");
        const string Stem = "lycoris_single_transformer_blocks_0_proj_out";
        var w1 = T(Stem + ".lokr_w1", 4, 4, 5);
        var w2a = T(Stem + ".lokr_w2_a", H / 4, 1, 6);
        var w2b = T(Stem + ".lokr_w2_b", 1, 5 * H / 4, 7);
        TestFiles.WriteSafeTensors(file, new[] { w1, w2a, w2b, TestTensor.F32(Stem + ".alpha", new long[0], new[] { 2f }) });

        var adapter = AdapterLoader.Load(file);

        Assert.Equal(ModelFamily.Flux1, adapter.Family);
        var m = Assert.Single(adapter.Modules);
        Assert.Equal("transformer.single_transformer_blocks.0.proj_out", m.Name);

        // LoKr: ΔW = kron(w1, w2a·w2b) · alpha / dim, dim = lokr_w2_b's rows (1).
        int p = H / 4, q = 5 * H / 4;
        AssertParts(adapter, new[] { Whole(m.Name, H) }, 5 * H,
            (row, col) => 2.0 * w1.Data[((row / p) * 4) + (col / q)] * Dot(w2a, w2b, row % p, col % q));
    }

    [Fact]
    public void OftOnAFluxLayer_IsRefusedWithTheReason()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("oft.safetensors");
        TestFiles.WriteSafeTensors(file, new[]
        {
            T("lora_unet_double_blocks_0_img_attn_proj.oft_blocks", 4, 4, 1),
            T("lora_unet_double_blocks_1_img_attn_proj.lora_down.weight", 1, H, 2),
            T("lora_unet_double_blocks_1_img_attn_proj.lora_up.weight", H, 1, 3),
        });

        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(file));

        Assert.Equal(AdapterErrorIds.AdapterTypeNotSupported, e.ErrorId);
        Assert.Contains("lora_unet_double_blocks_0_img_attn_proj", e.Message);
    }
}
