using System;
using LoraLego.Adapters;
using LoraLego.Formats.Families;

namespace LoraLego.Formats;

/// <summary>
/// How diffusers LoRA files name a layer, in every style diffusers has written: a component prefix
/// (unet., text_encoder., text_encoder_2., transformer.; none in files from UNet.save_attn_procs),
/// and the old attention-processor names (attn1.processor.to_q, to_out meaning to_out.0; text encoder
/// self_attn.to_q meaning q_proj), which diffusers converts on load.
/// </summary>
internal static class DiffusersNames
{
    private static readonly string[] Prefixes = { ModelComponent.Unet, ModelComponent.TextEncoder2, ModelComponent.TextEncoder, ModelComponent.Transformer };

    /// <summary>The component a stored name starts with ("" when none) and the rest.</summary>
    public static (string Component, string Path) Split(string stored)
    {
        foreach (var c in Prefixes)
        {
            if (stored.Length > c.Length + 1 && stored.StartsWith(c, StringComparison.Ordinal) && stored[c.Length] == '.')
                return (c, stored.Substring(c.Length + 1));
        }

        return (ModelComponent.Model, stored);
    }

    /// <summary>The layer path a (prefix-less) stored path names, with the processor-style names made current.</summary>
    public static string Normalise(string path)
    {
        path = path.Replace(".processor.", ".");
        if (path.EndsWith(".to_out", StringComparison.Ordinal)) path += ".0";
        if (path.IndexOf(".self_attn.to_", StringComparison.Ordinal) >= 0)
        {
            path = path.Replace(".self_attn.to_q", ".self_attn.q_proj").Replace(".self_attn.to_k", ".self_attn.k_proj")
                .Replace(".self_attn.to_v", ".self_attn.v_proj").Replace(".self_attn.to_out.0", ".self_attn.out_proj");
        }

        return path;
    }

    /// <summary>The identity of a diffusers module name in <paramref name="layout"/>, or null.</summary>
    public static ModuleIdentity? Identify(FamilyLayout layout, StoredModule module)
    {
        var (component, path) = Split(module.Name);
        path = Normalise(path);
        return component.Length > 0
            ? layout.Find(component, path)
            : layout.FindInAnyComponent(path, module.Kind, module.InFeatures, module.OutFeatures);
    }
}
