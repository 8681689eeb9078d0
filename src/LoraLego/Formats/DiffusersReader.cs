using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Formats.Families;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>
/// Reads a diffusers LoRA file in any of its key styles: attention processors
/// (<c>...processor.to_q_lora.down.weight</c>), <c>unet./text_encoder.</c> prefixed
/// (<c>...to_q.lora.down.weight</c>, <c>...q_proj.lora_linear_layer.down.weight</c>) and the PEFT-style
/// keys newer diffusers write (<c>unet....to_q.lora_A.weight</c>). Scale: network alphas
/// (<c>&lt;module&gt;.alpha</c>) give alpha/r; else <c>lora_adapter_metadata</c> (the PEFT LoraConfig
/// diffusers saves in __metadata__) gives lora_alpha/r with its patterns; else 1 (alpha = r).
/// </summary>
internal static class DiffusersReader
{
    // (down suffix, up suffix, what is left of the module name); order matters: longest first.
    private static readonly (string Down, string Up)[] Styles =
    {
        ("_lora.down.weight", "_lora.up.weight"),
        (".lora_linear_layer.down.weight", ".lora_linear_layer.up.weight"),
        (".lora.down.weight", ".lora.up.weight"),
        (".lora_A.weight", ".lora_B.weight"),
    };

    public static bool LooksLikeDiffusers(IEnumerable<string> keys) =>
        keys.Any(k => Styles.Any(s => k.EndsWith(s.Down, StringComparison.Ordinal) || k.EndsWith(s.Up, StringComparison.Ordinal)));

    public static LoraAdapter Read(SafeTensorFile file, string name, string loadedPath)
    {
        var path = file.Path;
        var adapter = new LoraAdapter(name, loadedPath, file, AdapterFormat.Diffusers);
        var pairs = new FactorPairs();
        var rest = new List<TensorInfo>();
        foreach (var t in file.Tensors)
        {
            bool matched = false;
            foreach (var (down, up) in Styles)
            {
                if (t.Name.EndsWith(down, StringComparison.Ordinal)) { pairs.AddA(t.Name.Substring(0, t.Name.Length - down.Length), t); matched = true; break; }
                if (t.Name.EndsWith(up, StringComparison.Ordinal)) { pairs.AddB(t.Name.Substring(0, t.Name.Length - up.Length), t); matched = true; break; }
            }

            if (!matched) rest.Add(t);
        }

        var byName = rest.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var config = DiffusersAdapterMetadata.From(path, file.Metadata);
        var complete = pairs.Complete(path, "down", "up");
        var stored = complete.Select(p => StoredModules.Of(path, p.Module, p.A, p.B, embedding: false)).ToList();
        var match = FamilyMatch.Resolve(stored, DiffusersNames.Identify);
        var modules = new List<LoraModule>();
        for (int i = 0; i < complete.Count; i++)
        {
            var (module, a, b, _) = complete[i];
            var identity = match.Identities[i] ?? ModuleIdentity.Unrecognised(module);
            int rank = checked((int)a.Shape[0]);
            double alpha = rank, scale = 1;
            string? alphaKey = null;
            if (FindAlpha(byName, module, a.Name) is TensorInfo at)
            {
                // network_alphas: alpha/r, as diffusers' loader applies them.
                alphaKey = at.Name;
                byName.Remove(at.Name);
                double value = file.ReadFloat32(at.Name)[0];
                if (value != 0) alpha = value;
                scale = alpha / rank;
            }
            else if (config?.For(identity.Component.Length > 0 ? identity.Component : DiffusersNames.Split(module).Component) is PeftConfig peft)
            {
                // lora_adapter_metadata: the component's LoraConfig, its patterns matched on the path inside the component.
                var inside = identity.Family == ModelFamily.Unknown ? DiffusersNames.Split(module).Path : identity.Path;
                alpha = peft.AlphaFor(inside);
                scale = peft.UseRsLora ? alpha / Math.Sqrt(rank) : alpha / rank;
            }

            modules.AddRange(StoredModules.Create(adapter, match, identity, module, stored[i].Kind, new TensorFactors(a, b), alpha, scale, alphaKey));
        }

        if (config is not null)
        {
            adapter.UseRsLora = config.AnyRsLora;
            adapter.IsDora = config.Configs.Any(c => c.UseDora);
        }

        var extras = rest.Where(t => byName.ContainsKey(t.Name)).Select(t => new ExtraTensor(adapter, t)).ToList();
        StoredModules.Finish(adapter, match, stored, modules, extras);
        return adapter;
    }

    /// <summary>network_alphas are stored as "&lt;module&gt;.alpha" or beside the down key ("...to_q_lora.alpha").</summary>
    private static TensorInfo? FindAlpha(Dictionary<string, TensorInfo> rest, string module, string downKey)
    {
        var candidates = new List<string> { module + ".alpha" };
        int cut = downKey.LastIndexOf(".down.weight", StringComparison.Ordinal);
        if (cut > 0) candidates.Add(downKey.Substring(0, cut) + ".alpha");
        foreach (var c in candidates)
        {
            if (rest.TryGetValue(c, out var t) && t.ElementCount == 1) return t;
        }

        return null;
    }
}
