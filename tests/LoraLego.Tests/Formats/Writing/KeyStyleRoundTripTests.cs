using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Tests.Families;
using Xunit;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>
/// Every key style (crafted from the naming rules by the family tests' helpers) read, written in each
/// format, read back: the same deltas under the same identities, and every written key one its
/// consumer maps, checked against the test-side enumerations of the real layers (RealSdLayers,
/// FluxModelLayers), never against the engine's own writer.
/// </summary>
public class KeyStyleRoundTripTests
{
    public static TheoryData<ModelFamily, SdKeyStyle, DiffusersAlpha> SdStyles()
    {
        var data = new TheoryData<ModelFamily, SdKeyStyle, DiffusersAlpha>();
        data.Add(ModelFamily.StableDiffusion1, SdKeyStyle.Kohya, DiffusersAlpha.NetworkAlphas);
        data.Add(ModelFamily.StableDiffusion1, SdKeyStyle.DiffusersProcessor, DiffusersAlpha.NetworkAlphas);
        data.Add(ModelFamily.StableDiffusion1, SdKeyStyle.DiffusersLora, DiffusersAlpha.NetworkAlphas);
        data.Add(ModelFamily.StableDiffusion1, SdKeyStyle.DiffusersLinearLayer, DiffusersAlpha.PrefixedMetadata);
        data.Add(ModelFamily.StableDiffusion1, SdKeyStyle.DiffusersPeft, DiffusersAlpha.PrefixedMetadata);
        data.Add(ModelFamily.StableDiffusion2, SdKeyStyle.Kohya, DiffusersAlpha.NetworkAlphas);
        data.Add(ModelFamily.StableDiffusion2, SdKeyStyle.DiffusersPeft, DiffusersAlpha.PrefixedMetadata);
        data.Add(ModelFamily.StableDiffusionXL, SdKeyStyle.KohyaSgm, DiffusersAlpha.NetworkAlphas);
        data.Add(ModelFamily.StableDiffusionXL, SdKeyStyle.Kohya, DiffusersAlpha.NetworkAlphas);
        data.Add(ModelFamily.StableDiffusionXL, SdKeyStyle.DiffusersPeft, DiffusersAlpha.PrefixedMetadata);
        return data;
    }

    /// <summary>A spread of the family's real layers: attention, feed-forward, conv and projection layers of the UNet, and each text encoder's.</summary>
    private static List<RealLayer> Spread(ModelFamily family)
    {
        var all = RealSdLayers.For(family);
        var unet = all.Where(l => l.Component == ModelComponent.Unet).ToList();
        var picked = unet.Where((_, i) => i % Math.Max(1, unet.Count / 10) == 0).ToList();
        picked.AddRange(unet.Where(l => l.Kind == ModuleKind.Conv).Take(2).Where(l => !picked.Contains(l)));
        foreach (var c in all.Select(l => l.Component).Distinct().Where(c => c != ModelComponent.Unet))
            picked.AddRange(all.Where(l => l.Component == c).Where((_, i) => i % 17 == 0).Take(2));
        return picked;
    }

    [Theory]
    [MemberData(nameof(SdStyles))]
    public void Sd_EveryFormat_KeysOfRealLayers_SameFactors(ModelFamily family, SdKeyStyle style, DiffusersAlpha alpha)
    {
        using var tmp = new TempFolder();
        var layers = Spread(family);
        if (style == SdKeyStyle.DiffusersProcessor)
        {
            // Attention processors exist for attention projections only.
            var attention = new[] { ".to_q", ".to_k", ".to_v", ".to_out.0", "_proj" };
            layers = RealSdLayers.For(family).Where(l => l.Path.Contains("attn") && attention.Any(a => l.Path.EndsWith(a, StringComparison.Ordinal))).Where((_, i) => i % 9 == 0).ToList();
        }

        var lora = new SdLora(family, layers, 2, 3, 29);
        var source = AdapterLoader.Load(lora.WriteFile(tmp.Combine("source.safetensors"), style, alpha));
        Assert.Equal(family, source.Family);
        Assert.Equal(layers.Count, source.ModuleCount);
        Assert.True(source.Components.Count >= 2, "the UNet and a text encoder");

        // kohya: the names sd-scripts writes (SDXL's UNet in SGM blocks), per RealSdLayers.
        var kohya = tmp.Combine("k.safetensors");
        AdapterConverter.Convert(source, kohya, new AdapterWriteOptions { Format = AdapterFormat.Kohya });
        Assert.Equal(layers.Select(l => RealSdLayers.KohyaName(family, l)).OrderBy(k => k, StringComparer.Ordinal), Stems(kohya, ".lora_down.weight"));
        AssertSameFactors(source, AdapterLoader.Load(kohya), sameFamily: true);

        // diffusers: component.path of the real layer.
        var diffusers = tmp.Combine("d.safetensors");
        AdapterConverter.Convert(source, diffusers, new AdapterWriteOptions { Format = AdapterFormat.Diffusers });
        Assert.Equal(layers.Select(l => l.Key).OrderBy(k => k, StringComparer.Ordinal), Stems(diffusers, ".lora_A.weight"));
        AssertSameFactors(source, AdapterLoader.Load(diffusers), sameFamily: true);

        // PEFT: one folder per component, base_model.model.<path>.
        foreach (var component in source.Components)
        {
            var folder = tmp.Combine("peft-" + component);
            AdapterConverter.Convert(source, folder, new AdapterWriteOptions { Component = component });
            var own = layers.Where(l => l.Component == component).ToList();
            Assert.Equal(own.Select(l => "base_model.model." + l.Path).OrderBy(k => k, StringComparer.Ordinal), Stems(Path.Combine(folder, "adapter_model.safetensors"), ".lora_A.weight"));

            // A lone text-encoder folder does not say which pipeline it is for (SDXL's CLIP-L is SD 1.x's): names and factors must agree.
            var peft = AdapterLoader.Load(folder);
            var part = source.Modules.Where(m => m.Identity.Component == component).ToList();
            Assert.Equal(part.Select(m => m.Identity.Path), peft.Modules.Select(m => m.Identity.Path));
            for (int i = 0; i < part.Count; i++) AssertSameFactors(part[i], peft.Modules[i], "PEFT " + component);
        }
    }

    public static TheoryData<string> FluxStyles() => new() { "kohya", "comfy", "xlabs", "diffusers", "onetrainer" };

    [Theory]
    [MemberData(nameof(FluxStyles))]
    public void Flux_EveryFormat_KeysOfRealLayers_SameDeltas(string style)
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine(style + ".safetensors");
        TestFiles.WriteSafeTensors(file, FluxReaderTests.Crafted(style).SelectMany(s => s.Tensors()));
        var source = AdapterLoader.Load(file);
        Assert.Equal(ModelFamily.Flux1, source.Family);

        var bfl = new HashSet<string>(FluxModelLayers.Bfl().Select(l => FluxModelLayers.Kohya(l.Path)), StringComparer.Ordinal);
        var kohya = tmp.Combine("k.safetensors");
        AdapterConverter.Convert(source, kohya, new AdapterWriteOptions { Format = AdapterFormat.Kohya });
        foreach (var stem in Stems(kohya, ".lora_down.weight"))
            Assert.True(bfl.Contains(stem) || stem.StartsWith("lora_te1_text_model_encoder_layers_", StringComparison.Ordinal) || stem.StartsWith("lora_te3_encoder_block_", StringComparison.Ordinal), stem);
        AssertSameDeltas(source, AdapterLoader.Load(kohya));

        var layers = new HashSet<string>(FluxModelLayers.Diffusers().Select(l => "transformer." + l.Path), StringComparer.Ordinal);
        var diffusers = tmp.Combine("d.safetensors");
        AdapterConverter.Convert(source, diffusers, new AdapterWriteOptions { Format = AdapterFormat.Diffusers });
        foreach (var stem in Stems(diffusers, ".lora_A.weight"))
            Assert.True(layers.Contains(stem) || stem.StartsWith("text_encoder.text_model.encoder.layers.", StringComparison.Ordinal) || stem.StartsWith("text_encoder_2.encoder.block.", StringComparison.Ordinal), stem);
        AssertSameFactors(source, AdapterLoader.Load(diffusers), sameFamily: true);
    }

    private static List<string> Stems(string file, string suffix) => WriterHeader.Read(file).Stems(suffix);

    private static void AssertSameFactors(LoraAdapter expected, LoraAdapter actual, bool sameFamily) => RoundTripAsserts.SameFactors(expected, actual, sameFamily);

    private static void AssertSameFactors(LoraModule expected, LoraModule actual, string what) => RoundTripAsserts.SameFactors(expected, actual, what);

    private static void AssertSameDeltas(LoraAdapter expected, LoraAdapter actual) =>
        RoundTripAsserts.SameDeltas(n => expected.GetModule(n) is LoraModule m ? FactoredDelta.Of(m) : null, actual, expected.Modules.Select(m => m.Name).ToArray());
}
