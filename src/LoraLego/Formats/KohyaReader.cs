using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Formats.Families;
using LoraLego.Formats.Lycoris;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>
/// Reads a kohya-ss / ComfyUI / A1111 LoRA file: per module lora_down (A), lora_up (B) and a rank-0
/// alpha; scale alpha/r, where a missing or zero alpha means alpha = r (sd-scripts' convention).
/// LyCORIS modules in the same file (LoCon with lora_mid, LoHa, LoKr) are read as exact LoRA factors by
/// <see cref="LycorisNetworks"/>; networks whose delta is not B·A (OFT, full diffs, IA3, GLoRA) are refused.
/// </summary>
internal static class KohyaReader
{
    private const string Down = ".lora_down.weight";
    private const string Up = ".lora_up.weight";
    private const string AlphaSuffix = ".alpha";

    public static bool LooksLikeKohya(IEnumerable<string> keys) =>
        keys.Any(k => k.EndsWith(Down, StringComparison.Ordinal) || k.EndsWith(Up, StringComparison.Ordinal) || LycorisNetworks.IsNetworkKey(k));

    public static LoraAdapter Read(SafeTensorFile file, string name, string loadedPath)
    {
        var path = file.Path;
        foreach (var t in file.Tensors) LycorisNetworks.RefuseUnsupported(path, t.Name);

        var adapter = new LoraAdapter(name, loadedPath, file, AdapterFormat.Kohya);
        var md = file.Metadata;
        adapter.BaseModel = md.TryGetValue("ss_sd_model_name", out var bm) && bm.Length > 0 ? bm
            : md.TryGetValue("ss_base_model_version", out var bv) && bv.Length > 0 ? bv : null;

        var pairs = new FactorPairs();
        var alphas = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var others = new List<TensorInfo>();
        var networks = LycorisNetworks.Collect(file.Tensors);
        foreach (var t in file.Tensors)
        {
            if (networks.Claims(t)) continue;
            if (t.Name.EndsWith(Down, StringComparison.Ordinal)) pairs.AddA(Stem(t.Name, Down), t);
            else if (t.Name.EndsWith(Up, StringComparison.Ordinal)) pairs.AddB(Stem(t.Name, Up), t);
            else if (t.Name.EndsWith(AlphaSuffix, StringComparison.Ordinal) && t.ElementCount == 1) alphas[Stem(t.Name, AlphaSuffix)] = t;
            else others.Add(t);
        }

        // Plain pairs, then LyCORIS networks (LoCon with a Tucker core, LoHa, LoKr: exact LoRA factors computed when read).
        var complete = pairs.Complete(path, "lora_down", "lora_up");
        var found = new List<(string Module, FactorSource Factors, ModuleKind Kind, double Alpha, double Scale, string? AlphaKey)>();
        var stored = new List<StoredModule>();
        foreach (var (module, a, b, _) in complete)
        {
            var shape = StoredModules.Of(path, module, a, b, embedding: false);
            int rank = checked((int)a.Shape[0]);
            var (value, alphaKey) = TakeAlpha(module);
            double alpha = value ?? rank;
            found.Add((module, new TensorFactors(a, b), shape.Kind, alpha, alpha / rank, alphaKey));
            stored.Add(shape);
        }

        foreach (var (stem, tensors) in networks.All)
        {
            var (value, alphaKey) = TakeAlpha(stem);
            var network = LycorisNetworks.Read(path, stem, tensors, value)!;
            found.Add((stem, network.Factors, network.Kind, network.Alpha, network.Scale, alphaKey));
            stored.Add(new StoredModule(stem, network.Kind, network.Factors.InFeatures, network.Factors.OutFeatures));
        }

        var match = FamilyMatch.Resolve(stored, (layout, m) => layout.FromKohya(m.Name), Hints(md));
        var modules = new List<LoraModule>();
        for (int i = 0; i < found.Count; i++)
        {
            var f = found[i];
            var identity = match.Identities[i] ?? ModuleIdentity.Unrecognised(f.Module);
            var kind = f.Factors is ComputedFactors c ? LycorisNetworks.FitToLayer(c, match.Layout?.ShapeOf(identity)) : f.Kind;
            modules.AddRange(StoredModules.Create(adapter, match, identity, f.Module, kind, f.Factors, f.Alpha, f.Scale, f.AlphaKey));
        }

        // Alphas without a module and anything else (dora_scale, biases) stay visible as extras.
        foreach (var t in file.Tensors)
        {
            if (t.Name.EndsWith(".dora_scale", StringComparison.Ordinal)) adapter.IsDora = true;
        }

        var extras = others.Concat(alphas.Values).Select(t => new ExtraTensor(adapter, t)).ToList();
        StoredModules.Finish(adapter, match, stored, modules, extras);
        return adapter;

        // The module's stored alpha (null when absent or 0: sd-scripts and LyCORIS then use alpha = rank) and its key.
        (double? Alpha, string? Key) TakeAlpha(string module)
        {
            if (!alphas.TryGetValue(module, out var at)) return (null, null);
            alphas.Remove(module);
            double value = file.ReadFloat32(at.Name)[0];
            return (value == 0 ? null : value, at.Name);
        }
    }

    /// <summary>What kohya metadata says the base model is (sd-scripts' ss_* keys, modelspec).</summary>
    private static IEnumerable<string?> Hints(IReadOnlyDictionary<string, string> md)
    {
        foreach (var key in new[] { "modelspec.architecture", "ss_base_model_version", "ss_sd_model_name", "ss_v2" })
        {
            if (md.TryGetValue(key, out var v)) yield return key == "ss_v2" ? (v == "True" ? "sd_v2" : null) : v;
        }
    }

    private static string Stem(string key, string suffix) => key.Substring(0, key.Length - suffix.Length);
}
