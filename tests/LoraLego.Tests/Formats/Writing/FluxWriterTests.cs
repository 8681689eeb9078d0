using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Adapters.Flux;
using LoraLego.Formats;
using LoraLego.Tests.Families;
using Xunit;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>
/// FLUX.1 modules (diffusers identities) written as kohya, diffusers and PEFT, read back: the same
/// deltas per identity, and every key one of the model's real layers (FluxModelLayers, written from
/// BFL's and diffusers' model definitions, not from the engine's layout).
/// </summary>
public class FluxWriterTests
{
    private const int Dim = 3072;
    private const int Mlp = 4 * Dim;

    /// <summary>Separate LoRAs on split layers (ranks add up when fused), a renamed layer, a partial linear1, the swapped norm_out, a CLIP layer.</summary>
    private static CraftedOutput Crafted() => new CraftedOutput()
        .Add(FluxLayout.Identity("transformer_blocks.0.attn.to_q"), Dim, Dim, 2, 0.5, 1)
        .Add(FluxLayout.Identity("transformer_blocks.0.attn.to_k"), Dim, Dim, 2, 2.0, 2)
        .Add(FluxLayout.Identity("transformer_blocks.0.attn.to_v"), Dim, Dim, 1, -1.0, 3)
        .Add(FluxLayout.Identity("transformer_blocks.0.attn.to_out.0"), Dim, Dim, 2, 1.5, 4)
        .Add(FluxLayout.Identity("single_transformer_blocks.3.attn.to_q"), Dim, Dim, 2, 1.0, 5)
        .Add(FluxLayout.Identity("single_transformer_blocks.3.proj_mlp"), Dim, Mlp, 2, 0.25, 6)
        .Add(FluxLayout.Identity("norm_out.linear"), Dim, 2 * Dim, 2, 3.0, 7)
        .Add(new ModuleIdentity(ModelFamily.Flux1, ModelComponent.TextEncoder, "text_model.encoder.layers.0.self_attn.q_proj"), 768, 768, 2, 1.0, 8);

    [Fact]
    public void Kohya_FusesSplitLayersIntoBflNames_AndReadsBackTheSameDeltas()
    {
        using var tmp = new TempFolder();
        var crafted = Crafted();
        var file = crafted.Write(tmp.Combine("flux.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Kohya });

        var stems = Stems(file, ".lora_down.weight");
        var bfl = new HashSet<string>(FluxModelLayers.Bfl().Select(l => FluxModelLayers.Kohya(l.Path)), StringComparer.Ordinal);
        foreach (var stem in stems.Where(s => s.StartsWith("lora_unet_", StringComparison.Ordinal))) Assert.Contains(stem, bfl);
        Assert.Equal(
            new[] { "lora_te1_text_model_encoder_layers_0_self_attn_q_proj", "lora_unet_double_blocks_0_img_attn_proj", "lora_unet_double_blocks_0_img_attn_qkv", "lora_unet_final_layer_adaLN_modulation_1", "lora_unet_single_blocks_3_linear1" },
            stems.OrderBy(s => s, StringComparer.Ordinal));

        // Separate LoRAs fuse with their ranks added: 2 + 2 + 1 on qkv, 2 + 2 on linear1.
        var header = WriterHeader.Read(file);
        Assert.Equal("[5,3072]", header.Shape("lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight"));
        Assert.Equal("[9216,5]", header.Shape("lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight"));
        Assert.Equal("[21504,4]", header.Shape("lora_unet_single_blocks_3_linear1.lora_up.weight"));
        Assert.Equal("flux1", header.Metadata["ss_base_model_version"]);
        Assert.Equal("flux-1/lora", header.Metadata["modelspec.architecture"]);
        Assert.Equal(("Dynamic", "Dynamic"), (header.Metadata["ss_network_dim"], header.Metadata["ss_network_alpha"]));

        AssertSameDeltas(crafted, AdapterLoader.Load(file));
    }

    [Fact]
    public void Diffusers_KeysAreTheTransformersLayers_AndReadBackTheSameDeltas()
    {
        using var tmp = new TempFolder();
        var crafted = Crafted();
        var file = crafted.Write(tmp.Combine("flux-d.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Diffusers });

        var layers = new HashSet<string>(FluxModelLayers.Diffusers().Select(l => "transformer." + l.Path), StringComparer.Ordinal);
        var stems = Stems(file, ".lora_A.weight");
        foreach (var stem in stems.Where(s => s.StartsWith("transformer.", StringComparison.Ordinal))) Assert.Contains(stem, layers);
        Assert.Contains("text_encoder.text_model.encoder.layers.0.self_attn.q_proj", stems);
        Assert.Equal(crafted.Modules.Count, stems.Count);

        var metadata = System.Text.Json.JsonDocument.Parse(WriterHeader.Read(file).Metadata["lora_adapter_metadata"]).RootElement;
        Assert.Equal(2, metadata.GetProperty("transformer.r").GetInt32());
        Assert.Equal(2, metadata.GetProperty("text_encoder.r").GetInt32());
        AssertSameDeltas(crafted, AdapterLoader.Load(file));
    }

    [Fact]
    public void Peft_RefusesTwoComponents_WritesOneWithComponent()
    {
        using var tmp = new TempFolder();
        var crafted = Crafted();
        var e = Assert.Throws<AdapterException>(() => crafted.Write(tmp.Combine("flux-peft"), new AdapterWriteOptions()));
        Assert.Equal("OutputSpansComponents", e.ErrorId);
        Assert.Contains("text_encoder, transformer", e.Message);
        Assert.Contains("-Format Kohya", e.Message);

        var folder = crafted.Write(tmp.Combine("flux-peft"), new AdapterWriteOptions { Component = ModelComponent.Transformer });
        var written = AdapterLoader.Load(folder);
        Assert.Equal(7, written.ModuleCount);
        var layers = new HashSet<string>(FluxModelLayers.Diffusers().Select(l => l.Path), StringComparer.Ordinal);
        Assert.All(written.Modules, m => Assert.Contains(m.StoredName, layers));
        foreach (var m in crafted.Modules.Where(m => m.Identity.Component == ModelComponent.Transformer))
        {
            var back = written.Modules.Single(w => w.StoredName == m.Identity.Path);
            Assert.True(FactoredDelta.Of(back).RelativeErrorTo(FactoredDelta.Of(crafted.Units[m.Name])) < 1e-6, m.Name);
        }
    }

    private static void AssertSameDeltas(CraftedOutput crafted, LoraAdapter written) =>
        RoundTripAsserts.SameDeltas(n => crafted.Units.TryGetValue(n, out var u) ? FactoredDelta.Of(u) : null, written, crafted.Modules.Select(m => m.Name).ToArray());

    private static List<string> Stems(string file, string suffix) => WriterHeader.Read(file).Stems(suffix);
}
