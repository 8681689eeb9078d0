using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Adapters.Flux;
using LoraLego.Diagnostics;
using LoraLego.Formats.Lycoris;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>
/// Reads a FLUX.1 LoRA file in any of its key styles (<see cref="FluxKeyStyles"/>): kohya, BFL/ComfyUI,
/// XLabs, diffusers/OneTrainer, and the text encoders' kohya/ComfyUI/diffusers names. Every module gets
/// its diffusers identity; a fused BFL layer (qkv, linear1) becomes one module per split layer, each
/// reading the shared A and its rows of B (<see cref="PartFactors"/>), so the deltas are exactly the
/// stored ones. Scale is alpha/r with a missing or zero alpha meaning alpha = r (sd-scripts and ComfyUI;
/// XLabs files store no alpha and x-flux applies none, so scale 1).
/// </summary>
internal static class FluxReader
{
    // (down, up) suffixes, longest first so ".lora.down.weight" is not taken for XLabs' ".down.weight".
    private static readonly (string Down, string Up)[] Suffixes =
    {
        (".lora_down.weight", ".lora_up.weight"),
        (".lora_A.weight", ".lora_B.weight"),
        (".lora.down.weight", ".lora.up.weight"),
        (".down.weight", ".up.weight"),
    };

    private const string AlphaSuffix = ".alpha";

    /// <summary>
    /// True when the file names FLUX.1 layers the way only Flux files do: a BFL layer (double_blocks,
    /// single_blocks, final_layer, ... in kohya, ComfyUI or XLabs form), or OneTrainer's
    /// lora_transformer_ names of layers only Flux has (single_transformer_blocks, the guidance embedder).
    /// Files in diffusers' own names (transformer.transformer_blocks...) are read by <see cref="DiffusersReader"/>
    /// with the Flux family layout, which also applies their lora_adapter_metadata.
    /// </summary>
    public static bool Claims(IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            var stem = Stem(key).Stem ?? NetworkStem(key);
            if (stem is null || FluxKeyStyles.Map(stem) is not FluxTarget target) continue;
            if (target.IsBflNamed) return true;
            if ((stem.StartsWith("lora_transformer_", StringComparison.Ordinal) || stem.StartsWith("lycoris_", StringComparison.Ordinal))
                && (stem.IndexOf("single_transformer_blocks", StringComparison.Ordinal) >= 0 || stem.IndexOf("guidance_embedder", StringComparison.Ordinal) >= 0))
                return true;
        }

        return false;
    }

    public static LoraAdapter Read(SafeTensorFile file, string name, string loadedPath)
    {
        var path = file.Path;
        foreach (var t in file.Tensors) LycorisNetworks.RefuseUnsupported(path, t.Name);

        var networks = LycorisNetworks.Collect(file.Tensors);
        var pairs = new FactorPairs();
        var byName = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
        var others = new List<TensorInfo>();
        foreach (var t in file.Tensors)
        {
            byName[t.Name] = t;
            if (networks.Claims(t)) continue;
            var (stem, isDown) = Stem(t.Name);
            if (stem is null) others.Add(t);
            else if (isDown) pairs.AddA(stem, t);
            else pairs.AddB(stem, t);
        }

        var found = new List<Found>();
        var usedAlphas = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (stored, a, b, _) in pairs.Complete(path, "down (A)", "up (B)"))
        {
            var kind = FactorShapes.Classify(path, stored, a, b, embedding: false);
            var (value, alphaKey) = TakeAlpha(stored);
            double alpha = value ?? a.Shape[0];
            found.Add(new Found(stored, Target(stored), new TensorFactors(a, b), kind, alpha, alpha / a.Shape[0], alphaKey));
        }

        // LyCORIS networks (LoCon with a Tucker core, LoHa, LoKr) on Flux layers: exact factors, split like a pair.
        foreach (var (stem, tensors) in networks.All)
        {
            var (value, alphaKey) = TakeAlpha(stem);
            var network = LycorisNetworks.Read(path, stem, tensors, value)!;
            found.Add(new Found(stem, Target(stem), network.Factors, network.Kind, network.Alpha, network.Scale, alphaKey));
        }

        // A module named as a Flux layer but of other widths (BFL's control LoRAs widen img_in to 128 inputs)
        // is not that layer: it keeps its stored name, with a warning, and the rest of the file is read.
        var warnings = new List<string>();
        for (int i = 0; i < found.Count; i++)
        {
            if (found[i].Target is null || WidthMismatch(path, found[i]) is not string why) continue;
            warnings.Add(why);
            found[i] = found[i].Unmapped();
        }

        // diffusers' own files name components (transformer., text_encoder.); the rest are single files of kohya's family.
        var format = found.All(f => f.Stored.StartsWith("transformer.", StringComparison.Ordinal) || f.Stored.StartsWith("text_encoder", StringComparison.Ordinal))
            ? AdapterFormat.Diffusers : AdapterFormat.Kohya;
        var adapter = new LoraAdapter(name, loadedPath, file, format);
        var md = file.Metadata;
        adapter.BaseModel = md.TryGetValue("ss_base_model_version", out var bv) && bv.Length > 0 ? bv
            : md.TryGetValue("ss_sd_model_name", out var bm) && bm.Length > 0 ? bm : null;
        bool splitQkv = TrainedSplit(md);
        var stated = FluxPartRanks.Parse(path, md);
        var modules = new List<LoraModule>();
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in found)
        {
            if (f.Target is null)
            {
                modules.Add(new LoraModule(adapter, ModuleIdentity.Unrecognised(f.Stored), f.Stored, f.Kind, f.Factors, f.Alpha, f.Scale, f.AlphaKey));
                continue;
            }

            int rank = f.Factors.Rank, parts = f.Target.Parts.Count;

            // Which of the stored ranks each part uses: all (one fused LoRA), or its own block when the file says so
            // (LoraLego's loralego.flux_part_ranks; sd-scripts' split_qkv: stacked As, block-diagonal B, equal blocks).
            var columns = stated.TryGetValue(f.Stored, out var given) ? FluxPartRanks.Check(path, f.Stored, given, parts, rank)
                : splitQkv && f.Target.Style == FluxKeyStyle.Kohya && parts > 1 && rank % parts == 0
                    ? Enumerable.Range(0, parts).Select(i => (Start: i * (rank / parts), Count: rank / parts)).ToArray()
                    : null;
            for (int i = 0; i < parts; i++)
            {
                var (identity, rows) = f.Target.Parts[i];
                if (columns is not null && columns[i].Count == 0) continue; // the writer had nothing for this part
                if (owner.TryGetValue(identity.Key, out var first))
                {
                    throw new AdapterException(AdapterErrorIds.LoraModuleDuplicate, LoraErrorCategory.InvalidData, path,
                        $"{path}: modules '{first}' and '{f.Stored}' both adapt layer {identity.Key}; a file must name each layer once. Keep one of them (e.g. with a tool that drops keys) and load again.",
                        f.Stored);
                }

                owner[identity.Key] = f.Stored;
                FactorSource factors = rows.IsIdentity ? f.Factors
                    : columns is not null && columns[i].Count < rank ? new PartFactors(f.Factors, rows, countsA: true, rankStart: columns[i].Start, rankCount: columns[i].Count)
                    : new PartFactors(f.Factors, rows, countsA: i == FirstWithAll(columns, rank));
                modules.Add(new LoraModule(adapter, identity, f.Stored, f.Kind, factors, f.Alpha, f.Scale, f.AlphaKey));
            }
        }

        foreach (var t in file.Tensors)
        {
            if (t.Name.EndsWith(".dora_scale", StringComparison.Ordinal)) adapter.IsDora = true;
        }

        var extras = others.Where(t => !usedAlphas.Contains(t.Name)).Select(t => new ExtraTensor(adapter, t)).ToList();
        adapter.SetFamily(ModelFamily.Flux1, new[] { ModelFamily.Flux1 });
        adapter.Attach(modules, extras);
        var unmapped = found.Where(f => f.Target is null).Select(f => f.Stored).ToList();
        if (unmapped.Count > 0)
        {
            var shown = string.Join(", ", unmapped.Take(5)) + (unmapped.Count > 5 ? $", ... ({unmapped.Count} in all)" : string.Empty);
            warnings.Insert(0, $"{path}: {unmapped.Count} of {found.Count} modules are not layers of {ModelFamily.Flux1} ({shown}); they keep their stored names and meet only modules stored under the same names.");
        }

        adapter.Warnings = warnings;

        return adapter;

        // The module's stored alpha (null when absent or 0: alpha = rank, as sd-scripts, LyCORIS and ComfyUI read it) and its key.
        (double? Alpha, string? Key) TakeAlpha(string stored)
        {
            if (!byName.TryGetValue(stored + AlphaSuffix, out var at) || at.ElementCount != 1) return (null, null);
            usedAlphas.Add(at.Name);
            double value = file.ReadFloat32(at.Name)[0];
            return (value == 0 ? null : value, at.Name);
        }
    }

    /// <summary>The first part that takes all the ranks (and so counts the shared A): 0 without stated columns.</summary>
    private static int FirstWithAll((int Start, int Count)[]? columns, int rank) =>
        columns is null ? 0 : Array.FindIndex(columns, c => c.Count == rank);

    private static FluxTarget? Target(string stored) => FluxKeyStyles.Map(stored) ?? FluxTextEncoders.Map(stored);

    /// <summary>
    /// sd-scripts' lora_flux network arg split_qkv (ss_network_args is a JSON object of strings): the fused
    /// modules hold one LoRA per part. Their scale stays alpha over the stored (fused) rank, as ComfyUI and
    /// diffusers apply the file (sd-scripts itself, loading it for training, uses alpha over the part rank).
    /// </summary>
    private static bool TrainedSplit(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("ss_network_args", out var json) || json.IndexOf("split_qkv", StringComparison.Ordinal) < 0) return false;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object || !doc.RootElement.TryGetProperty("split_qkv", out var v)) return false;
            return v.ValueKind == System.Text.Json.JsonValueKind.True
                || (v.ValueKind == System.Text.Json.JsonValueKind.String && string.Equals(v.GetString(), "true", StringComparison.OrdinalIgnoreCase));
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>Why a module named as a Flux layer does not fit it, or null when it does.</summary>
    private static string? WidthMismatch(string path, Found f)
    {
        var target = f.Target!;
        if (f.Factors.InFeatures == target.InFeatures && f.Factors.OutFeatures == target.OutFeatures) return null;
        var layer = string.Join(" + ", target.Parts.Select(p => p.Identity.Key));
        return $"{path}: module '{f.Stored}' is named as FLUX.1 layer {layer} ({target.OutFeatures}×{target.InFeatures}), but {f.Factors.AKey} [{string.Join(", ", f.Factors.AShape)}] " +
            $"and {f.Factors.BKey} [{string.Join(", ", f.Factors.BShape)}] make a {f.Factors.OutFeatures}×{f.Factors.InFeatures} delta (a control LoRA's widened input, or another model with Flux's names); " +
            "it keeps its stored name and meets only modules stored under the same name.";
    }

    /// <summary>The stem of a LyCORIS network key (stem.hada_w1_a, stem.lora_mid.weight, stem.a1.weight), or null.</summary>
    private static string? NetworkStem(string key)
    {
        if (!LycorisNetworks.IsNetworkKey(key)) return null;
        const string Mid = "." + LycorisNetworks.Mid;
        if (key.EndsWith(Mid, StringComparison.Ordinal)) return key.Substring(0, key.Length - Mid.Length);
        var rest = key.EndsWith(".weight", StringComparison.Ordinal) ? key.Substring(0, key.Length - ".weight".Length) : key;
        int dot = rest.LastIndexOf('.');
        return dot > 0 ? rest.Substring(0, dot) : null;
    }

    private sealed class Found
    {
        public Found(string stored, FluxTarget? target, FactorSource factors, ModuleKind kind, double alpha, double scale, string? alphaKey)
        {
            Stored = stored;
            Target = target;
            Factors = factors;
            Kind = kind;
            Alpha = alpha;
            Scale = scale;
            AlphaKey = alphaKey;
        }

        public string Stored { get; }

        public FluxTarget? Target { get; }

        public FactorSource Factors { get; }

        public ModuleKind Kind { get; }

        public double Alpha { get; }

        public double Scale { get; }

        public string? AlphaKey { get; }

        /// <summary>The same module without a Flux layer: it keeps its stored name.</summary>
        public Found Unmapped() => new(Stored, null, Factors, Kind, Alpha, Scale, AlphaKey);
    }

    /// <summary>The module name of a factor key and whether it is the down (A) factor; null stem for other tensors.</summary>
    private static (string? Stem, bool IsDown) Stem(string key)
    {
        foreach (var (down, up) in Suffixes)
        {
            if (key.EndsWith(down, StringComparison.Ordinal)) return (key.Substring(0, key.Length - down.Length), true);
            if (key.EndsWith(up, StringComparison.Ordinal)) return (key.Substring(0, key.Length - up.Length), false);
        }

        return (null, false);
    }
}
