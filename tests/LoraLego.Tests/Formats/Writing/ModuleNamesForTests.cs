using LoraLego.Adapters;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>The naming rules of FORMATS.md, written out for the tests (not the engine's writer).</summary>
internal static class ModuleNamesForTests
{
    /// <summary>SD 1.x/2.x kohya: lora_unet_ / lora_te_ + the diffusers path with dots made underscores.</summary>
    public static string Kohya(ModuleIdentity id) =>
        (id.Component == ModelComponent.Unet ? "lora_unet_" : "lora_te_") + id.Path.Replace('.', '_');
}
