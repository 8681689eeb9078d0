using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats.Families;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>
/// Reads a kohya-ss / ComfyUI / A1111 LoRA file: per module lora_down (A), lora_up (B) and a rank-0
/// alpha; scale alpha/r, where a missing or zero alpha means alpha = r (sd-scripts' convention).
/// </summary>
internal static class KohyaReader
{
    private const string Down = ".lora_down.weight";
    private const string Up = ".lora_up.weight";
    private const string AlphaSuffix = ".alpha";

    // Networks that are not sums of rank-1 units (LoCon's CP mid factor, LoHa, LoKr, OFT, full diffs).
    private static readonly string[] UnsupportedMarkers =
    {
        ".lora_mid.weight", ".hada_w1_a", ".hada_w1_b", ".hada_w2_a", ".hada_w2_b", ".hada_t1", ".hada_t2",
        ".lokr_w1", ".lokr_w1_a", ".lokr_w1_b", ".lokr_w2", ".lokr_w2_a", ".lokr_w2_b", ".lokr_t2",
        ".oft_blocks", ".oft_diag", ".diff", ".diff_b",
    };

    public static bool LooksLikeKohya(IEnumerable<string> keys) =>
        keys.Any(k => k.EndsWith(Down, StringComparison.Ordinal) || k.EndsWith(Up, StringComparison.Ordinal) || UnsupportedMarker(k) is not null);

    public static LoraAdapter Read(SafeTensorFile file, string name, string loadedPath)
    {
        var path = file.Path;
        foreach (var t in file.Tensors)
        {
            if (UnsupportedMarker(t.Name) is string marker)
            {
                var network = marker.StartsWith(".hada", StringComparison.Ordinal) ? "LoHa"
                    : marker.StartsWith(".lokr", StringComparison.Ordinal) ? "LoKr"
                    : marker.StartsWith(".oft", StringComparison.Ordinal) ? "OFT"
                    : marker.StartsWith(".diff", StringComparison.Ordinal) ? "full-difference"
                    : "LoCon/CP (lora_mid)";
                throw new AdapterException(AdapterErrorIds.AdapterTypeNotSupported, LoraErrorCategory.NotImplemented, path,
                    $"{path} holds a {network} network (tensor {t.Name}); only plain LoRA (lora_down/lora_up) splits into rank-1 units.",
                    t.Name.Substring(0, t.Name.Length - marker.Length));
            }
        }

        var adapter = new LoraAdapter(name, loadedPath, file, AdapterFormat.Kohya);
        var md = file.Metadata;
        adapter.BaseModel = md.TryGetValue("ss_sd_model_name", out var bm) && bm.Length > 0 ? bm
            : md.TryGetValue("ss_base_model_version", out var bv) && bv.Length > 0 ? bv : null;

        var pairs = new FactorPairs();
        var alphas = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var others = new List<TensorInfo>();
        foreach (var t in file.Tensors)
        {
            if (t.Name.EndsWith(Down, StringComparison.Ordinal)) pairs.AddA(Stem(t.Name, Down), t);
            else if (t.Name.EndsWith(Up, StringComparison.Ordinal)) pairs.AddB(Stem(t.Name, Up), t);
            else if (t.Name.EndsWith(AlphaSuffix, StringComparison.Ordinal) && t.ElementCount == 1) alphas[Stem(t.Name, AlphaSuffix)] = t;
            else others.Add(t);
        }

        var complete = pairs.Complete(path, "lora_down", "lora_up").ToList();
        var stored = complete.Select(p => StoredModules.Of(path, p.Module, p.A, p.B, embedding: false)).ToList();
        var match = FamilyMatch.Resolve(stored, (layout, m) => layout.FromKohya(m.Name), Hints(md));
        var modules = new List<LoraModule>();
        for (int i = 0; i < complete.Count; i++)
        {
            var (module, a, b, _) = complete[i];
            int rank = checked((int)a.Shape[0]);
            double alpha = rank;
            string? alphaKey = null;
            if (alphas.TryGetValue(module, out var at))
            {
                alphaKey = at.Name;
                alphas.Remove(module);
                double stored2 = file.ReadFloat32(at.Name)[0];
                if (stored2 != 0) alpha = stored2;
            }

            var identity = match.Identities[i] ?? ModuleIdentity.Unrecognised(module);
            modules.AddRange(StoredModules.Create(adapter, match, identity, module, stored[i].Kind, new TensorFactors(a, b), alpha, alpha / rank, alphaKey));
        }

        // Alphas without a module and anything else (dora_scale, biases) stay visible as extras.
        foreach (var t in file.Tensors)
        {
            if (t.Name.EndsWith(".dora_scale", StringComparison.Ordinal)) adapter.IsDora = true;
        }

        var extras = others.Concat(alphas.Values).Select(t => new ExtraTensor(adapter, t)).ToList();
        StoredModules.Finish(adapter, match, stored, modules, extras);
        return adapter;
    }

    /// <summary>What kohya metadata says the base model is (sd-scripts' ss_* keys, modelspec).</summary>
    private static IEnumerable<string?> Hints(IReadOnlyDictionary<string, string> md)
    {
        foreach (var key in new[] { "modelspec.architecture", "ss_base_model_version", "ss_sd_model_name", "ss_v2" })
        {
            if (md.TryGetValue(key, out var v)) yield return key == "ss_v2" ? (v == "True" ? "sd_v2" : null) : v;
        }
    }

    private static string? UnsupportedMarker(string key) =>
        UnsupportedMarkers.FirstOrDefault(m => key.EndsWith(m, StringComparison.Ordinal));

    private static string Stem(string key, string suffix) => key.Substring(0, key.Length - suffix.Length);
}
