using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoraLego.Adapters;

namespace LoraLego.Formats;

/// <summary>
/// __metadata__["lora_adapter_metadata"], which diffusers writes since 2025: the JSON of each
/// component's PEFT LoraConfig, either plain (a model's save_lora_adapter) or with every key prefixed
/// by the component (a pipeline's save_lora_weights: "unet.r", "unet.lora_alpha", "text_encoder.r", ...).
/// Where present it gives the scale (lora_alpha / r with its patterns, rsLoRA), exactly as diffusers loads it.
/// </summary>
internal sealed class DiffusersAdapterMetadata
{
    public const string MetadataKey = "lora_adapter_metadata";

    private readonly Dictionary<string, PeftConfig> _byComponent;

    private DiffusersAdapterMetadata(Dictionary<string, PeftConfig> byComponent) => _byComponent = byComponent;

    /// <summary>The metadata of <paramref name="metadata"/>'s file, or null when it has none.</summary>
    public static DiffusersAdapterMetadata? From(string file, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(MetadataKey, out var json) || string.IsNullOrWhiteSpace(json)) return null;
        var where = $"{file} __metadata__[\"{MetadataKey}\"]";
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject
                ?? throw new AdapterException(AdapterErrorIds.AdapterConfigInvalid, Diagnostics.LoraErrorCategory.InvalidData, file, $"{where} must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new AdapterException(AdapterErrorIds.AdapterConfigInvalid, Diagnostics.LoraErrorCategory.InvalidData, file, $"{where} is not valid JSON: {e.Message}", inner: e);
        }

        // Split "component.field" keys; a key with no known component prefix belongs to the plain config ("").
        var parts = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var kv in root)
        {
            var (component, field) = DiffusersNames.Split(kv.Key);
            if (!parts.TryGetValue(component, out var part)) parts[component] = part = new JsonObject();
            part[field] = kv.Value?.DeepClone();
        }

        var configs = new Dictionary<string, PeftConfig>(StringComparer.Ordinal);
        foreach (var kv in parts)
        {
            if (!kv.Value.ContainsKey("peft_type")) kv.Value["peft_type"] = "LORA";
            var label = kv.Key.Length == 0 ? where : $"{where} ({kv.Key}.*)";
            configs[kv.Key] = PeftConfig.Parse(label, kv.Value.ToJsonString());
        }

        return new DiffusersAdapterMetadata(configs);
    }

    /// <summary>The config of <paramref name="component"/> (falling back to the plain config), or null.</summary>
    public PeftConfig? For(string component) =>
        _byComponent.TryGetValue(component, out var c) ? c : _byComponent.TryGetValue(ModelComponent.Model, out var plain) ? plain : null;

    public IEnumerable<PeftConfig> Configs => _byComponent.Values;

    public bool AnyRsLora => _byComponent.Values.Any(c => c.UseRsLora);
}
