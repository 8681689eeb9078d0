using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Formats.Families;
using Xunit;

namespace LoraLego.Tests.Families;

/// <summary>The engine's family layouts hold exactly the real layers (paths, kinds, widths) and map their kohya names both ways.</summary>
public class LayoutEnumerationTests
{
    public static TheoryData<ModelFamily> Families => new() { ModelFamily.StableDiffusion1, ModelFamily.StableDiffusion2, ModelFamily.StableDiffusionXL };

    [Theory]
    [MemberData(nameof(Families))]
    public void Layout_HoldsExactlyTheRealLayers(ModelFamily family)
    {
        var layout = FamilyLayouts.For(family)!;
        var real = RealSdLayers.For(family);
        var engine = layout.Components.SelectMany(c => c.Layers.Select(kv => (Key: c.Component + "." + kv.Key, kv.Value))).ToDictionary(x => x.Key, x => x.Value);

        Assert.Equal(real.Select(l => l.Key).OrderBy(k => k, System.StringComparer.Ordinal), engine.Keys.OrderBy(k => k, System.StringComparer.Ordinal));
        foreach (var l in real)
        {
            var shape = engine[l.Key];
            Assert.True((l.Kind, l.InFeatures, l.OutFeatures) == (shape.Kind, shape.InFeatures, shape.OutFeatures),
                $"{family} {l.Key}: real {l.Kind} {l.OutFeatures}×{l.InFeatures}, layout {shape}");
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void KohyaNames_MapBothWays(ModelFamily family)
    {
        var layout = FamilyLayouts.For(family)!;
        foreach (var l in RealSdLayers.For(family))
        {
            var identity = new ModuleIdentity(family, l.Component, l.Path);
            Assert.Equal(RealSdLayers.KohyaName(family, l), layout.KohyaName(identity));
            Assert.Equal(RealSdLayers.KohyaName(family, l), FamilyLayouts.KohyaName(identity));
            var prefix = RealSdLayers.KohyaPrefix(family, l.Component);
            Assert.Equal(identity.Key, layout.FromKohya(prefix + l.Path.Replace('.', '_'))?.Key);
            if (l.OriginalPath is not null)
            {
                var fromSgm = layout.FromKohya(prefix + l.OriginalPath.Replace('.', '_'));
                Assert.True(fromSgm is not null && fromSgm.Key == identity.Key && fromSgm.Family == family, $"{family}: {l.OriginalPath} → {fromSgm?.Key}, expected {identity.Key}");
                Assert.Equal(l.OriginalPath, layout.Component(l.Component)!.OriginalName(l.Path));
            }
        }

        // Every name the layout accepts is a real one: nothing beyond the enumeration maps.
        var accepted = RealSdLayers.AcceptedKohyaNames(family);
        Assert.Null(layout.FromKohya(RealSdLayers.KohyaPrefix(family, "unet") + "down_blocks_9_resnets_0_conv1"));
        Assert.All(accepted, n => Assert.NotNull(layout.FromKohya(n)));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Roots_LetEveryRealLayerThrough_AndTurnALanguageModelAway(ModelFamily family)
    {
        var layout = FamilyLayouts.For(family)!;
        Assert.All(RealSdLayers.For(family), l => Assert.True(layout.MayHave(l.Path), l.Path));
        Assert.False(layout.MayHave("model.layers.0.self_attn.q_proj"));
        Assert.False(layout.MayHave("transformer.h.0.attn.c_attn"));
        Assert.False(layout.MayHave("down_blocksX.0"));
        Assert.Null(layout.FindInAnyComponent("model.layers.0.self_attn.q_proj", ModuleKind.Linear, 4096, 4096));
    }

    [Fact]
    public void FluxRoots_LetEveryRealLayerThrough_AndTurnALanguageModelAway()
    {
        // The Flux layout is built only when a key's first segment is one of its roots: every real
        // transformer layer (from the test's own enumeration) and every text-encoder layer must pass.
        var layout = FamilyLayouts.For(ModelFamily.Flux1)!;
        Assert.All(FluxModelLayers.Diffusers(), l => Assert.True(layout.MayHave(l.Path), l.Path));
        Assert.All(layout.Components.SelectMany(c => c.Paths), p => Assert.True(layout.MayHave(p), p));
        Assert.False(layout.MayHave("model.layers.0.self_attn.q_proj"));
        Assert.False(layout.MayHave("transformer.h.0.attn.c_attn"));
        Assert.Null(layout.FindInAnyComponent("model.layers.0.self_attn.q_proj", ModuleKind.Linear, 4096, 4096));
    }

    [Fact]
    public void Enumeration_HasTheKnownCounts()
    {
        // SD 1.x: 16 transformer blocks × 10 linear layers; SDXL: 70 blocks (2·2 + 2·10 + 10 + 3·10 + 3·2).
        Assert.Equal(16, RealSdLayers.For(ModelFamily.StableDiffusion1).Count(l => l.Path.EndsWith("attn1.to_q")));
        Assert.Equal(70, RealSdLayers.For(ModelFamily.StableDiffusionXL).Count(l => l.Path.EndsWith("attn1.to_q")));
        Assert.Equal(12 * 6, RealSdLayers.For(ModelFamily.StableDiffusion1).Count(l => l.Component == "text_encoder"));
        Assert.Equal(32 * 6 + 1, RealSdLayers.For(ModelFamily.StableDiffusionXL).Count(l => l.Component == "text_encoder_2"));
        // SDXL's first down block has no attention; its up block 0 has three 10-deep transformers.
        Assert.DoesNotContain(RealSdLayers.For(ModelFamily.StableDiffusionXL), l => l.Path.StartsWith("down_blocks.0.attentions"));
        Assert.Contains(RealSdLayers.For(ModelFamily.StableDiffusionXL), l => l.OriginalPath == "output_blocks.2.2.conv" && l.Path == "up_blocks.0.upsamplers.0.conv");
        Assert.Contains(RealSdLayers.For(ModelFamily.StableDiffusion1), l => l.OriginalPath == "output_blocks.2.1.conv" && l.Path == "up_blocks.0.upsamplers.0.conv");
        Assert.Contains(RealSdLayers.For(ModelFamily.StableDiffusionXL), l => l.OriginalPath == "input_blocks.4.1.transformer_blocks.1.attn2.to_k" && l.InFeatures == 2048);
    }
}
