using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

namespace LoraLego.Formats;

/// <summary>
/// adapter_config.json for a written adapter whose every module has scale 1: r = the most common
/// rank, lora_alpha = r, and rank_pattern / alpha_pattern (full module names) for the modules whose
/// rank differs, with alpha = rank there too. Keys sorted and indented by 2, as PEFT writes them.
/// </summary>
internal static class PeftConfigWriter
{
    public static string Build(IReadOnlyList<OutputModule> modules, AdapterWriteOptions options, string target)
    {
        var sources = options.Sources;
        int r = modules.GroupBy(m => m.Rank).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).FirstOrDefault();
        if (r == 0) r = 8;
        var differing = modules.Where(m => m.Rank != r).ToList();

        var targets = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in sources) targets.UnionWith(s.TargetModules);
        foreach (var m in modules) targets.Add(ModuleNames.Leaf(m.Name, AdapterFormat.Peft));

        string? baseModel = options.BaseModel ?? Agreed(sources.Select(s => s.BaseModel));
        string? taskType = Agreed(sources.Select(s => s.TaskType));
        var fanInFanOut = sources.Select(s => s.FanInFanOut).Distinct().ToList();
        if (fanInFanOut.Count > 1)
        {
            throw new AdapterException(AdapterErrorIds.OutputSourcesConflict, LoraErrorCategory.InvalidArgument, target,
                $"The sources disagree on fan_in_fan_out ({string.Join(", ", sources.Select(s => $"{s.Name}: {s.FanInFanOut}"))}); they adapt differently stored base weights and cannot share one adapter.");
        }

        var modulesToSave = options.ExtraTensors.Count == 0
            ? new List<string>()
            : sources.SelectMany(s => s.ModulesToSave).Distinct(StringComparer.Ordinal).OrderBy(s => s, StringComparer.Ordinal).ToList();

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            WritePattern(json, "alpha_pattern", differing);
            WriteStringOrNull(json, "base_model_name_or_path", baseModel);
            json.WriteString("bias", "none");
            json.WriteBoolean("fan_in_fan_out", fanInFanOut.Count == 1 && fanInFanOut[0]);
            json.WriteBoolean("inference_mode", true);
            json.WriteBoolean("init_lora_weights", true);
            json.WriteNull("layers_pattern");
            json.WriteNull("layers_to_transform");
            json.WriteNumber("lora_alpha", r);
            json.WriteNumber("lora_dropout", 0.0);
            if (modulesToSave.Count == 0) json.WriteNull("modules_to_save");
            else WriteStrings(json, "modules_to_save", modulesToSave);
            json.WriteString("peft_type", "LORA");
            json.WriteNumber("r", r);
            WritePattern(json, "rank_pattern", differing);
            json.WriteNull("revision");
            WriteStrings(json, "target_modules", targets);
            WriteStringOrNull(json, "task_type", taskType);
            json.WriteBoolean("use_dora", false);
            json.WriteBoolean("use_rslora", false);
            json.WriteEndObject();
        }

        var text = Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n") + "\n";
        VerifyScalesAreOne(text, modules, target);
        return text;
    }

    /// <summary>Reads the config back with the loader's own rules: every module must resolve to rank = alpha.</summary>
    private static void VerifyScalesAreOne(string text, IReadOnlyList<OutputModule> modules, string target)
    {
        var config = PeftConfig.Parse(Path.Combine(target, PeftReader.ConfigFileName), text);
        foreach (var m in modules)
        {
            int rank = config.RankFor(OutputLayout.PeftName(m), out _);
            double alpha = config.AlphaFor(OutputLayout.PeftName(m));
            if (rank != m.Rank || alpha != m.Rank)
            {
                throw new AdapterException(AdapterErrorIds.OutputModuleInvalid, LoraErrorCategory.InvalidArgument, target,
                    $"Module '{m.Name}' (rank {m.Rank}) would be read back with rank {rank} and alpha {alpha}: another module's pattern key matches its name. Rename or drop one of them.",
                    m.Name);
            }
        }
    }

    private static string? Agreed(IEnumerable<string?> values)
    {
        var distinct = values.Where(v => v is not null).Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : null;
    }

    private static void WritePattern(Utf8JsonWriter json, string name, List<OutputModule> modules)
    {
        json.WriteStartObject(name);
        foreach (var m in modules.OrderBy(m => OutputLayout.PeftName(m), StringComparer.Ordinal)) json.WriteNumber(OutputLayout.PeftName(m), m.Rank);
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteStringValue(v);
        json.WriteEndArray();
    }

    private static void WriteStringOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }
}
