using System;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Adapters.Flux;
using LoraLego.Formats;
using Xunit;

namespace LoraLego.Tests.Families;

/// <summary>The engine's Flux layout against the model layers written in the test from the model definitions.</summary>
public sealed class FluxLayoutTests
{
    [Fact]
    public void BflLayers_AreExactlyTheModelsLinearLayers_WithTheirWidths()
    {
        var expected = FluxModelLayers.Bfl().Select(l => (l.Path, l.In, l.Out)).OrderBy(l => l.Path, StringComparer.Ordinal).ToList();
        var actual = FluxLayout.Layers.Select(l => (l.BflPath, l.InFeatures, l.OutFeatures)).OrderBy(l => l.Item1, StringComparer.Ordinal).ToList();

        Assert.Equal(314, expected.Count);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void DiffusersLayers_AreExactlyTheModelsLinearLayers_WithTheirWidths()
    {
        var expected = FluxModelLayers.Diffusers().Select(l => (l.Path, l.In, l.Out)).OrderBy(l => l.Path, StringComparer.Ordinal).ToList();
        var actual = FluxLayout.Parts.Select(p => (p.Path, p.InFeatures, p.OutFeatures)).OrderBy(l => l.Path, StringComparer.Ordinal).ToList();

        Assert.Equal(504, expected.Count);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void EveryDiffusersLayer_MapsToItsBflLayerAndRows_BothWays()
    {
        foreach (var d in FluxModelLayers.Diffusers())
        {
            var part = FluxLayout.ByDiffusersPath(d.Path);
            Assert.NotNull(part);
            Assert.Equal(d.BflPath, part!.Layer.BflPath);
            Assert.Equal(FluxModelLayers.BflLayer(d.BflPath).Out, part.Rows.FusedRows);

            // Row i of the part is BFL row BflRow(i): a column of row numbers gathered through the map.
            var fusedRows = Enumerable.Range(0, part.Rows.FusedRows).Select(i => (float)i).ToArray();
            var gathered = new float[d.Out];
            part.Rows.Gather(fusedRows, gathered, 1);
            for (int i = 0; i < d.Out; i++) Assert.Equal(FluxModelLayers.BflRow(d, i), (int)gathered[i]);

            // And back: the BFL layer lists the part, and its identity is the diffusers path in the transformer.
            var layer = FluxLayout.ByBflPath(d.BflPath)!;
            Assert.Contains(part, layer.Parts);
            Assert.Equal("transformer." + d.Path, part.Identity.Key);
            Assert.Equal(ModelFamily.Flux1, part.Identity.Family);
            Assert.Equal(d.BflPath, FluxNaming.BflPathOf(part.Identity));
        }
    }

    [Fact]
    public void FusedLayers_AreCoveredByTheirPartsExactlyOnce()
    {
        foreach (var layer in FluxLayout.Layers)
        {
            var hits = new int[layer.OutFeatures];
            foreach (var p in layer.Parts)
            {
                var ones = Enumerable.Repeat(1f, p.OutFeatures).ToArray();
                var fused = new float[layer.OutFeatures];
                p.Rows.Scatter(ones, fused, 1);
                for (int i = 0; i < fused.Length; i++) hits[i] += (int)fused[i];
            }

            Assert.All(hits, h => Assert.Equal(1, h));
        }

        Assert.Equal(19 * 2 + 38, FluxLayout.Layers.Count(l => l.IsFused));
    }

    [Fact]
    public void KohyaNames_AreTheFlattenedBflPaths()
    {
        Assert.Equal("lora_unet_double_blocks_0_img_attn_qkv", FluxNaming.KohyaName("double_blocks.0.img_attn.qkv"));
        Assert.Equal("lora_unet_final_layer_adaLN_modulation_1", FluxNaming.KohyaName("final_layer.adaLN_modulation.1"));
        foreach (var l in FluxModelLayers.Bfl()) Assert.Equal(FluxModelLayers.Kohya(l.Path), FluxNaming.KohyaName(l.Path));
    }
}
