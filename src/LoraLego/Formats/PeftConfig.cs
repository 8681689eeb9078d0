using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

namespace LoraLego.Formats;

/// <summary>
/// The fields of a PEFT adapter_config.json that decide how tensors are read. Defaults are PEFT's
/// (r = 8, lora_alpha = 8); the raw text is kept so unknown fields survive.
/// </summary>
public sealed class PeftConfig
{
    private PeftConfig(string path, string json)
    {
        Path = path;
        Json = json;
    }

    public string Path { get; }

    public string Json { get; }

    public string PeftType { get; private set; } = "LORA";

    public int R { get; private set; } = 8;

    public double LoraAlpha { get; private set; } = 8;

    public bool UseRsLora { get; private set; }

    public bool UseDora { get; private set; }

    public bool FanInFanOut { get; private set; }

    public string? BaseModel { get; private set; }

    public string? TaskType { get; private set; }

    public IReadOnlyList<string> ModulesToSave { get; private set; } = Array.Empty<string>();

    /// <summary>rank_pattern in file order (first match wins).</summary>
    public IReadOnlyList<KeyValuePair<string, int>> RankPattern { get; private set; } = Array.Empty<KeyValuePair<string, int>>();

    /// <summary>alpha_pattern in file order (first match wins).</summary>
    public IReadOnlyList<KeyValuePair<string, double>> AlphaPattern { get; private set; } = Array.Empty<KeyValuePair<string, double>>();

    public static PeftConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdapterException(AdapterErrorIds.AdapterNotFound, LoraErrorCategory.ReadError, path, $"Cannot read {path}: {e.Message}", inner: e);
        }

        return Parse(path, text);
    }

    public static PeftConfig Parse(string path, string json)
    {
        var config = new PeftConfig(path, json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Invalid(path, $"must hold a JSON object, not {root.ValueKind}");
            config.Read(root);
        }

        return config;
    }

    /// <summary>The rank PEFT would give <paramref name="module"/>: the first rank_pattern key matching it, else r.</summary>
    public int RankFor(string module, out string? patternKey)
    {
        foreach (var kv in RankPattern)
        {
            if (PatternMatches(kv.Key, module)) { patternKey = kv.Key; return kv.Value; }
        }

        patternKey = null;
        return R;
    }

    public double AlphaFor(string module)
    {
        foreach (var kv in AlphaPattern)
        {
            if (PatternMatches(kv.Key, module)) return kv.Value;
        }

        return LoraAlpha;
    }

    /// <summary>PEFT's rule: the key, as a regex, must match the whole name or a dotted suffix of it.</summary>
    internal bool PatternMatches(string key, string module)
    {
        try
        {
            return Regex.IsMatch(module, @"^(?:.*\.)?(?:" + key + @")$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw Invalid(Path, $"has a pattern key that is not a valid regular expression: '{key}' ({e.Message})", e);
        }
    }

    private void Read(JsonElement root)
    {
        if (!root.TryGetProperty("peft_type", out var type) || type.ValueKind != JsonValueKind.String)
            throw Invalid(Path, "has no \"peft_type\" string (PEFT requires it, e.g. \"LORA\")");
        PeftType = type.GetString()!;
        R = GetInt(root, "r") ?? R;
        LoraAlpha = GetDouble(root, "lora_alpha") ?? LoraAlpha;
        UseRsLora = GetBool(root, "use_rslora") ?? false;
        UseDora = GetBool(root, "use_dora") ?? false;
        FanInFanOut = GetBool(root, "fan_in_fan_out") ?? false;
        BaseModel = GetString(root, "base_model_name_or_path");
        TaskType = GetString(root, "task_type");
        ModulesToSave = GetStringList(root, "modules_to_save");
        RankPattern = GetPattern(root, "rank_pattern", v => v.TryGetInt32(out var i) && i > 0 ? i : (int?)null, "a positive integer");
        AlphaPattern = GetPattern(root, "alpha_pattern", v => v.TryGetDouble(out var d) ? d : (double?)null, "a number");
        if (R <= 0) throw Invalid(Path, $"has \"r\": {R}; the rank must be positive");
    }

    private static JsonElement? Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private int? GetInt(JsonElement root, string name)
    {
        if (Field(root, name) is not JsonElement v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
        throw Invalid(Path, $"has \"{name}\": {v.GetRawText()}; expected an integer");
    }

    private double? GetDouble(JsonElement root, string name)
    {
        if (Field(root, name) is not JsonElement v) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw Invalid(Path, $"has \"{name}\": {v.GetRawText()}; expected a number");
    }

    private bool? GetBool(JsonElement root, string name)
    {
        if (Field(root, name) is not JsonElement v) return null;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        throw Invalid(Path, $"has \"{name}\": {v.GetRawText()}; expected true or false");
    }

    private string? GetString(JsonElement root, string name)
    {
        if (Field(root, name) is not JsonElement v) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        throw Invalid(Path, $"has \"{name}\": {v.GetRawText()}; expected a string");
    }

    private IReadOnlyList<string> GetStringList(JsonElement root, string name)
    {
        if (Field(root, name) is not JsonElement v) return Array.Empty<string>();
        if (v.ValueKind == JsonValueKind.String) return new[] { v.GetString()! };
        var list = new List<string>();
        if (v.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in v.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String) throw Invalid(Path, $"has \"{name}\" with a non-string entry {item.GetRawText()}");
                list.Add(item.GetString()!);
            }

            return list;
        }

        throw Invalid(Path, $"has \"{name}\": {v.GetRawText()}; expected a list of strings");
    }

    private IReadOnlyList<KeyValuePair<string, T>> GetPattern<T>(JsonElement root, string name, Func<JsonElement, T?> value, string expected)
        where T : struct
    {
        if (Field(root, name) is not JsonElement v) return Array.Empty<KeyValuePair<string, T>>();
        if (v.ValueKind != JsonValueKind.Object) throw Invalid(Path, $"has \"{name}\": {v.GetRawText()}; expected an object");
        var list = new List<KeyValuePair<string, T>>();
        foreach (var p in v.EnumerateObject())
        {
            T? parsed = p.Value.ValueKind == JsonValueKind.Number ? value(p.Value) : null;
            if (parsed is not T t) throw Invalid(Path, $"has \"{name}\" entry \"{p.Name}\": {p.Value.GetRawText()}; expected {expected}");
            list.Add(new KeyValuePair<string, T>(p.Name, t));
        }

        return list;
    }

    private static AdapterException Invalid(string path, string what, Exception? inner = null) =>
        new(AdapterErrorIds.AdapterConfigInvalid, LoraErrorCategory.InvalidData, path, $"{path} {what}.", inner: inner);
}
