using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

namespace LoraLego.Formats.Writing;

/// <summary>
/// A PEFT folder for <c>PeftModel.from_pretrained</c>: <c>base_model.model.&lt;path&gt;.lora_A/B.weight</c>
/// for one model (one pipeline component: the UNet, a text encoder, the transformer, or an LLM), and
/// adapter_config.json with every module's rank and alpha (r / lora_alpha, rank_pattern / alpha_pattern).
/// </summary>
internal sealed class PeftWriter : ConsumerWriter
{
    private LoraConfigFields? _fields;

    public override AdapterFormat Format => AdapterFormat.Peft;

    public override bool WritesFolder => true;

    public override IReadOnlyList<WrittenModule> Layout(IReadOnlyList<OutputModule> modules, AdapterWriteOptions options, string target)
    {
        var components = modules.Select(m => m.Identity.Component).Distinct(StringComparer.Ordinal).OrderBy(c => c, StringComparer.Ordinal).ToList();
        if (components.Count > 1)
        {
            throw new AdapterException(AdapterErrorIds.OutputSpansComponents, LoraErrorCategory.InvalidArgument, target,
                $"The modules span {components.Count} components ({string.Join(", ", components.Select(Describe))}), but a PEFT folder adapts one model " +
                "(PeftModel.from_pretrained loads it into one). Write -Format Kohya or -Format Diffusers, which carry every component in one file, " +
                $"or pick one component with -Component ({string.Join(", ", components.Select(Describe))}).");
        }

        var paths = modules.Select(m => (Module: m, Path: PathOf(m, target))).ToList();
        _fields = LoraConfigFields.For(paths, target);
        return paths.Select(p =>
        {
            var stem = PeftReader.KeyPrefix + p.Path;
            var scale = _fields.StatedScaleOf(p.Module);
            return p.Module.Kind == ModuleKind.Embedding
                ? new WrittenModule(p.Module, stem + ".lora_embedding_A", stem + ".lora_embedding_B", null, scale)
                : new WrittenModule(p.Module, stem + ".lora_A.weight", stem + ".lora_B.weight", null, scale);
        }).ToList();
    }

    public override string? Config(IReadOnlyList<WrittenModule> modules, AdapterWriteOptions options, string target)
    {
        var config = _fields ?? throw new InvalidOperationException("Layout first.");
        var sources = options.Sources;
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

        var fields = new List<JsonField>
        {
            JsonField.String("base_model_name_or_path", baseModel),
            JsonField.String("bias", "none"),
            JsonField.Bool("fan_in_fan_out", fanInFanOut.Count == 1 && fanInFanOut[0]),
            JsonField.Bool("inference_mode", true),
            JsonField.Bool("init_lora_weights", true),
            JsonField.Null("layers_pattern"),
            JsonField.Null("layers_to_transform"),
            JsonField.Number("lora_dropout", 0.0),
            modulesToSave.Count == 0 ? JsonField.Null("modules_to_save") : JsonField.Strings("modules_to_save", modulesToSave),
            JsonField.String("peft_type", "LORA"),
            JsonField.Null("revision"),
            JsonField.String("task_type", taskType),
            JsonField.Bool("use_dora", false),
        };
        fields.AddRange(config.Fields());

        // Keys sorted and indented by 2, as PEFT writes them.
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            foreach (var f in fields.OrderBy(f => f.Name, StringComparer.Ordinal)) f.Write(json, f.Name);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n") + "\n";
    }

    /// <summary>The module's path inside its model: the identity's, or the stored name where nothing mapped it.</summary>
    private string PathOf(OutputModule m, string target)
    {
        if (m.Identity.Family != ModelFamily.Unknown) return m.Identity.Path;
        if (KohyaNames.LooksLikeKohya(m.Name))
            throw Unmapped(m, target, "it is a kohya name that no model layout maps to a layer path, so there is no PEFT module name for it. Write it as Kohya.");
        return m.Name;
    }

    private static string Describe(string component) => component.Length == 0 ? "the model itself" : component;

    private static string? Agreed(IEnumerable<string?> values)
    {
        var distinct = values.Where(v => v is not null).Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : null;
    }
}
