using System;

namespace LoraLego.Adapters;

/// <summary>
/// The base-model layer a LoRA module adapts, whatever file format named it: the family, the
/// pipeline component (unet, text_encoder, transformer, or "" for a transformers model) and the
/// layer's path in the diffusers / transformers model (down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q).
/// Modules of different adapters meet when their <see cref="Key"/>s are equal.
/// </summary>
public sealed class ModuleIdentity : IEquatable<ModuleIdentity>
{
    public ModuleIdentity(ModelFamily family, string component, string path)
    {
        if (component is null) throw new ArgumentNullException(nameof(component));
        if (string.IsNullOrEmpty(path)) throw new ArgumentException("A module identity needs a layer path.", nameof(path));
        Family = family;
        Component = component;
        Path = path;
        Key = component.Length == 0 ? path : component + "." + path;
    }

    public ModelFamily Family { get; }

    /// <summary>unet, text_encoder, text_encoder_2, transformer, or "" (the model itself).</summary>
    public string Component { get; }

    /// <summary>The layer's dotted path inside the component.</summary>
    public string Path { get; }

    /// <summary>component.path (the path alone for the model itself): what modules are matched and shown by.</summary>
    public string Key { get; }

    /// <summary>An identity for a key that no layout recognises: the stored name, matched only by equal names.</summary>
    public static ModuleIdentity Unrecognised(string storedName) => new(ModelFamily.Unknown, ModelComponent.Model, storedName);

    // Family is not part of equality: adapters of different families are refused before modules are matched.
    public bool Equals(ModuleIdentity? other) => other is not null && string.Equals(Key, other.Key, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ModuleIdentity);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    public override string ToString() => Key;
}
