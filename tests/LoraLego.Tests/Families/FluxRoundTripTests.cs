using System;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Tests.Formats;
using Xunit;
using static LoraLego.Tests.Families.StoredModule;

namespace LoraLego.Tests.Families;

/// <summary>Separate LoRAs on split layers, converted to kohya (fused BFL names) and back: same deltas and the same ranks.</summary>
public sealed class FluxRoundTripTests
{
    private const int H = 3072;

    [Fact]
    public void SplitLayers_ThroughKohyaAndBackToDiffusers_KeepTheirRanksAndDeltas()
    {
        using var tmp = new TempFolder();
        var stored = new[]
        {
            Of("transformer.transformer_blocks.2.attn.to_q", PeftSuffix, 2, H, H, 1, null, Whole("transformer.transformer_blocks.2.attn.to_q", H)),
            Of("transformer.transformer_blocks.2.attn.to_v", PeftSuffix, 1, H, H, 2, 4f, Whole("transformer.transformer_blocks.2.attn.to_v", H)),
            Of("transformer.single_transformer_blocks.4.proj_mlp", PeftSuffix, 2, H, 4 * H, 3, null, Whole("transformer.single_transformer_blocks.4.proj_mlp", 4 * H)),
            Of("transformer.norm_out.linear", PeftSuffix, 1, H, 2 * H, 4, null, Whole("transformer.norm_out.linear", 2 * H)),
        };
        var source = tmp.Combine("diffusers.safetensors");
        TestFiles.WriteSafeTensors(source, stored.SelectMany(s => s.Tensors()));

        var kohya = AdapterConverter.Convert(AdapterLoader.Load(source), tmp.Combine("kohya.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Kohya });
        var viaKohya = AdapterLoader.Load(kohya);
        var back = AdapterConverter.Convert(viaKohya, tmp.Combine("back.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Diffusers });

        foreach (var adapter in new[] { viaKohya, AdapterLoader.Load(back) })
        {
            Assert.Equal(stored.Select(s => s.Expect[0].Identity).OrderBy(n => n, StringComparer.Ordinal), adapter.Modules.Select(m => m.Name));
            foreach (var s in stored)
            {
                var m = adapter.GetModule(s.Expect[0].Identity)!;
                Assert.Equal(s.Rank, m.Rank);
                var cols = FluxDelta.Columns(H);
                FluxDelta.AssertClose(FluxDelta.Expected(s, s.Expect[0], cols), FluxDelta.Of(m.ReadUnits(), cols), $"{adapter.Name} {m.Name}", 1e-6);
            }
        }
    }
}
