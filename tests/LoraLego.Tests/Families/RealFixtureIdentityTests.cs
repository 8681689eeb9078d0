using System.Linq;
using LoraLego.Adapters;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Families;

/// <summary>The real adapters' families and identities.</summary>
public class RealFixtureIdentityTests
{
    [RealFixtureFact]
    public void Sd15UnetFolders_AreStableDiffusion1Unet()
    {
        foreach (var name in new[] { "sd15-unet/flowers", "sd15-unet/difusor" })
        {
            var a = AdapterLoader.Load(RealFixtures.Folder(name));
            Assert.Equal(ModelFamily.StableDiffusion1, a.Family);
            Assert.Equal(new[] { "unet" }, a.Components);
            Assert.Empty(a.Warnings);
            var real = RealSdLayers.For(ModelFamily.StableDiffusion1).ToDictionary(l => l.Key);
            Assert.All(a.Modules, m =>
            {
                Assert.StartsWith("unet.", m.Name);
                Assert.Equal(m.StoredName, m.Identity.Path);
                Assert.Equal((ModelFamily.StableDiffusion1, "unet"), (m.Identity.Family, m.Identity.Component));
                var layer = real[m.Name];
                Assert.Equal((layer.InFeatures, layer.OutFeatures), (m.InFeatures, m.OutFeatures));
            });
            Assert.NotNull(a.GetModule("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v"));
            Assert.Equal(new[] { "to_q", "to_v" }, a.TargetModules);
        }
    }

    [RealFixtureFact]
    public void Gpt2Folders_AreTransformers_NamesUnchanged()
    {
        foreach (var name in new[] { "gpt2/tigrinya", "gpt2/emotion-cls", "gpt2/sentiment-cls", "gpt2/causal-demo" })
        {
            var a = AdapterLoader.Load(RealFixtures.Folder(name));
            Assert.Equal(ModelFamily.Transformers, a.Family);
            Assert.Empty(a.Components);
            Assert.All(a.Modules, m => Assert.Equal((m.StoredName, ""), (m.Name, m.Identity.Component)));
            Assert.NotNull(a.GetModule("transformer.h.0.attn.c_attn"));
        }
    }
}
