using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats.Families;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>
/// Reads a PEFT LoRA folder. Ranks come from the tensor shapes and must agree with r / rank_pattern;
/// alphas from lora_alpha / alpha_pattern; scale α/r or α/√r (use_rslora).
/// </summary>
internal static class PeftReader
{
    public const string ConfigFileName = "adapter_config.json";
    public const string TensorFileName = "adapter_model.safetensors";
    public const string PickleFileName = "adapter_model.bin";
    public const string KeyPrefix = "base_model.model.";

    /// <summary>Reads the folder; <paramref name="tensorPath"/> overrides adapter_model.safetensors (a file the user named).</summary>
    public static LoraAdapter Read(string folder, string? name, string? tensorPath = null, string? loadedPath = null)
    {
        var configPath = System.IO.Path.Combine(folder, ConfigFileName);
        if (!File.Exists(configPath))
        {
            throw new AdapterException(AdapterErrorIds.AdapterNotFound, LoraErrorCategory.ObjectNotFound, folder,
                $"{folder} has no {ConfigFileName}; a PEFT adapter is a folder with {ConfigFileName} and {TensorFileName}.");
        }

        var config = PeftConfig.Load(configPath);
        if (!string.Equals(config.PeftType, "LORA", StringComparison.OrdinalIgnoreCase))
        {
            throw new AdapterException(AdapterErrorIds.AdapterTypeNotSupported, LoraErrorCategory.NotImplemented, configPath,
                $"{configPath} describes a {config.PeftType} adapter; LoraLego reads PEFT folders of LoRA adapters only (peft_type \"LORA\")." + WayOut(config.PeftType));
        }

        tensorPath ??= System.IO.Path.Combine(folder, TensorFileName);
        if (!File.Exists(tensorPath)) throw MissingTensors(folder, tensorPath);

        var file = GitLfsPointer.Open(tensorPath);
        var adapter = new LoraAdapter(name ?? System.IO.Path.GetFileName(folder), loadedPath ?? folder, file, AdapterFormat.Peft)
        {
            ConfigPath = configPath,
            ConfigJson = config.Json,
            BaseModel = config.BaseModel,
            TaskType = config.TaskType,
            FanInFanOut = config.FanInFanOut,
            UseRsLora = config.UseRsLora,
            IsDora = config.UseDora,
            ModulesToSave = config.ModulesToSave,
        };

        var pairs = new FactorPairs();
        var extras = new List<ExtraTensor>();
        foreach (var t in file.Tensors)
        {
            if (TrySplit(t.Name, ".lora_A.weight", out var m)) pairs.AddA(m, t);
            else if (TrySplit(t.Name, ".lora_B.weight", out m)) pairs.AddB(m, t);
            else if (TrySplit(t.Name, ".lora_embedding_A", out m)) pairs.AddA(m, t, embedding: true);
            else if (TrySplit(t.Name, ".lora_embedding_B", out m)) pairs.AddB(m, t, embedding: true);
            else
            {
                // DoRA magnitudes, lora_B biases and modules_to_save heads are not rank-1 units.
                if (t.Name.EndsWith(".lora_magnitude_vector", StringComparison.Ordinal) || t.Name.EndsWith(".lora_magnitude_vector.weight", StringComparison.Ordinal))
                    adapter.IsDora = true;
                extras.Add(new ExtraTensor(adapter, t));
            }
        }

        var complete = pairs.Complete(tensorPath, "lora_A", "lora_B");
        var stored = complete.Select(p => StoredModules.Of(tensorPath, p.Module, p.A, p.B, p.Embedding)).ToList();
        // A PEFT folder holds one component and does not name it: the layout finds it (a UNet, a text encoder).
        // A language model's paths (model.layers..., transformer.h...) start no family's layer: no layout is consulted.
        bool mayBeLayers = false;
        foreach (var p in complete) mayBeLayers |= FamilyRoots.MayBeLayer(p.Module);
        var match = mayBeLayers
            ? FamilyMatch.Resolve(stored, (layout, m) => layout.FindInAnyComponent(m.Name, m.Kind, m.InFeatures, m.OutFeatures), new[] { config.BaseModel })
            : FamilyMatch.None(stored.Count);
        var modules = new List<LoraModule>();
        for (int i = 0; i < complete.Count; i++)
        {
            var (module, a, b, _) = complete[i];
            int rank = checked((int)a.Shape[0]);
            int expected = config.RankFor(module, out var rankKey);
            if (rank != expected)
            {
                var source = rankKey is null ? $"\"r\": {expected}" : $"rank_pattern \"{rankKey}\": {expected}";
                throw new AdapterException(AdapterErrorIds.LoraRankMismatch, LoraErrorCategory.InvalidData, tensorPath,
                    $"{tensorPath}: module '{module}' has rank {rank} in its tensors ({a.Name} [{FactorShapes.Dims(a)}]) but {configPath} gives {source} and no rank_pattern explains the difference.",
                    module);
            }

            double alpha = config.AlphaFor(module);
            double scale = config.UseRsLora ? alpha / Math.Sqrt(rank) : alpha / rank;
            // No diffusion layout names it: a transformers model's module, its path the PEFT name.
            var identity = match.Identities[i]
                ?? (match.Layout is null ? new ModuleIdentity(ModelFamily.Transformers, ModelComponent.Model, module) : ModuleIdentity.Unrecognised(module));
            modules.AddRange(StoredModules.Create(adapter, match, identity, module, stored[i].Kind, new TensorFactors(a, b), alpha, scale, alphaKey: null));
        }

        var patternWarnings = PatternCoverage.UnmatchedKeys(config, complete.ConvertAll(p => p.Module));
        StoredModules.Finish(adapter, match, stored, modules, extras, patternWarnings, fallback: ModelFamily.Transformers);
        return adapter;
    }

    /// <summary>True when the key names a PEFT LoRA factor (used to recognise a lone adapter_model.safetensors).</summary>
    public static bool IsPeftKey(string key) =>
        key.StartsWith(KeyPrefix, StringComparison.Ordinal)
        && (key.EndsWith(".lora_A.weight", StringComparison.Ordinal) || key.EndsWith(".lora_B.weight", StringComparison.Ordinal)
            || key.EndsWith(".lora_embedding_A", StringComparison.Ordinal) || key.EndsWith(".lora_embedding_B", StringComparison.Ordinal));

    internal static AdapterException MissingTensors(string folder, string tensorPath)
    {
        var pickle = System.IO.Path.Combine(folder, PickleFileName);
        if (File.Exists(pickle)) return LegacyPickle(pickle);
        return new AdapterException(AdapterErrorIds.AdapterNotFound, LoraErrorCategory.ObjectNotFound, folder,
            $"{folder} has {ConfigFileName} but no {System.IO.Path.GetFileName(tensorPath)}.");
    }

    internal static AdapterException LegacyPickle(string pickle) =>
        new(AdapterErrorIds.LegacyPickleAdapter, LoraErrorCategory.NotImplemented, pickle,
            string.Format(CultureInfo.InvariantCulture,
                "{0} is a pickled PyTorch file; LoraLego never unpickles files (they can run code). Convert it once in Python: " +
                "load it with PEFT (PeftModel.from_pretrained(base_model, folder)) and save it with " +
                "model.save_pretrained(folder, safe_serialization=True), which writes {1}.", pickle, TensorFileName));

    /// <summary>What a user with another PEFT type can do (empty when there is nothing to suggest).</summary>
    private static string WayOut(string? peftType) => peftType?.ToUpperInvariant() switch
    {
        // PEFT keeps these networks' scale in adapter_config.json under rules of its own (α/r, or α²/√(r·r2)
        // for a LoHa with ABBA's Khatri-Rao product), which the reader does not apply yet: refused, never read at a guessed scale.
        "LOHA" or "LOKR" => " LoHa and LoKr are read from LyCORIS/kohya .safetensors files (hada_w1_a, lokr_w1, ...); PEFT folders of them are not read yet.",
        "IA3" or "OFT" or "BOFT" => " It scales or rotates the base weights, so its delta is not B·A and needs the base model.",
        _ => string.Empty,
    };

    private static bool TrySplit(string key, string suffix, out string module)
    {
        module = string.Empty;
        if (!key.EndsWith(suffix, StringComparison.Ordinal)) return false;
        var stem = key.Substring(0, key.Length - suffix.Length);
        if (stem.StartsWith(KeyPrefix, StringComparison.Ordinal)) stem = stem.Substring(KeyPrefix.Length);
        if (stem.Length == 0) return false;
        module = stem;
        return true;
    }
}
