using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>
/// A way a single-file LoRA names its tensors: recognised from the keys, then read into modules with
/// identities (through the registered <see cref="Families.FamilyLayouts"/>). PEFT folders are read by
/// <see cref="PeftReader"/> (they carry a config).
/// </summary>
internal sealed class KeyStyle
{
    public KeyStyle(string name, Func<IReadOnlyList<string>, bool> claims, Func<SafeTensorFile, string, string, LoraAdapter> read)
    {
        Name = name;
        Claims = claims;
        Read = read;
    }

    public string Name { get; }

    /// <summary>True when the file's keys are in this style.</summary>
    public Func<IReadOnlyList<string>, bool> Claims { get; }

    /// <summary>(file, adapter name, path as loaded) → the adapter.</summary>
    public Func<SafeTensorFile, string, string, LoraAdapter> Read { get; }
}

/// <summary>
/// The key styles single files are tried against, in order: the first that claims a file reads it.
/// More specific styles come first (a style whose keys also end in lora_A/lora_B goes before diffusers).
/// A new key style is a reader file and one line here.
/// </summary>
internal static class KeyStyles
{
    public static IReadOnlyList<KeyStyle> All { get; } = new[]
    {
        new KeyStyle("flux", FluxReader.Claims, FluxReader.Read),
        new KeyStyle("kohya", keys => KohyaReader.LooksLikeKohya(keys), KohyaReader.Read),
        new KeyStyle("diffusers", keys => DiffusersReader.LooksLikeDiffusers(keys), DiffusersReader.Read),
    };

    public static KeyStyle? For(IReadOnlyList<string> keys) => All.FirstOrDefault(s => s.Claims(keys));
}
