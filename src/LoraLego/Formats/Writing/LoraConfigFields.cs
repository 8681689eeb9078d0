using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

namespace LoraLego.Formats.Writing;

/// <summary>
/// The LoraConfig fields that state the ranks and alphas of one model's modules (a PEFT folder, or one
/// component of a diffusers file): r and lora_alpha are the most common values, rank_pattern and
/// alpha_pattern name every module that differs by its full path, and target_modules lists the full
/// paths, so PEFT adapts exactly the written modules. Pattern keys are listed longest first: PEFT
/// takes the first key matching <c>(.*\.)?(KEY)$</c>, and a longer path is never a suffix of a shorter one.
/// </summary>
internal sealed class LoraConfigFields
{
    private readonly Dictionary<OutputModule, string> _paths;
    private readonly Dictionary<OutputModule, double> _alphas;

    private LoraConfigFields(IReadOnlyList<(OutputModule Module, string Path)> modules)
    {
        _paths = modules.ToDictionary(m => m.Module, m => m.Path);

        // rsLoRA only when every module states its scale that way (and one needs it): use_rslora is one flag for all.
        UseRsLora = modules.All(m => StatedScale.IsRsLora(m.Module)) && modules.Any(m => !StatedScale.IsLinear(m.Module));
        _alphas = modules.ToDictionary(m => m.Module, m => UseRsLora ? m.Module.Alpha : StatedScale.LinearAlpha(m.Module));

        R = MostCommon(modules.Select(m => m.Module.Rank));
        LoraAlpha = MostCommon(_alphas.Values);
        RankPattern = modules.Where(m => m.Module.Rank != R).Select(m => new KeyValuePair<string, int>(m.Path, m.Module.Rank)).OrderBy(p => p.Key, PatternOrder.Instance).ToList();
        AlphaPattern = modules.Where(m => _alphas[m.Module] != LoraAlpha).Select(m => new KeyValuePair<string, double>(m.Path, _alphas[m.Module])).OrderBy(p => p.Key, PatternOrder.Instance).ToList();
        TargetModules = modules.Select(m => m.Path).OrderBy(p => p, StringComparer.Ordinal).ToList();
    }

    public int R { get; }

    public double LoraAlpha { get; }

    public bool UseRsLora { get; }

    public IReadOnlyList<KeyValuePair<string, int>> RankPattern { get; }

    public IReadOnlyList<KeyValuePair<string, double>> AlphaPattern { get; }

    public IReadOnlyList<string> TargetModules { get; }

    /// <summary>Fields for <paramref name="modules"/>, each under its path in the model; checked with PEFT's own matching rule.</summary>
    public static LoraConfigFields For(IReadOnlyList<(OutputModule Module, string Path)> modules, string target)
    {
        var fields = new LoraConfigFields(modules);
        fields.Verify(target);
        return fields;
    }

    /// <summary>The alpha written for <paramref name="module"/> (its own, or scale·r where the scale is not alpha/r).</summary>
    public double AlphaOf(OutputModule module) => _alphas[module];

    /// <summary>The scale a reader derives for <paramref name="module"/> from these fields.</summary>
    public double StatedScaleOf(OutputModule module) =>
        UseRsLora ? _alphas[module] / Math.Sqrt(module.Rank) : _alphas[module] / module.Rank;

    /// <summary>r, lora_alpha, the patterns, target_modules and use_rslora, as (field, write under a given property name).</summary>
    public IEnumerable<JsonField> Fields()
    {
        yield return new JsonField("alpha_pattern", (json, name) =>
        {
            json.WriteStartObject(name);
            foreach (var kv in AlphaPattern) json.WriteNumber(kv.Key, kv.Value);
            json.WriteEndObject();
        });
        yield return new JsonField("lora_alpha", (json, name) => json.WriteNumber(name, LoraAlpha));
        yield return new JsonField("r", (json, name) => json.WriteNumber(name, R));
        yield return new JsonField("rank_pattern", (json, name) =>
        {
            json.WriteStartObject(name);
            foreach (var kv in RankPattern) json.WriteNumber(kv.Key, kv.Value);
            json.WriteEndObject();
        });
        yield return new JsonField("target_modules", (json, name) =>
        {
            json.WriteStartArray(name);
            foreach (var t in TargetModules) json.WriteStringValue(t);
            json.WriteEndArray();
        });
        yield return new JsonField("use_rslora", (json, name) => json.WriteBoolean(name, UseRsLora));
    }

    /// <summary>
    /// Reads the fields back with the reader's implementation of PEFT's rule: every module must get its
    /// own rank and alpha. A path that, read as a regex, also matches another module is refused.
    /// </summary>
    private void Verify(string target)
    {
        var buffer = new System.IO.MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("peft_type", "LORA");
            foreach (var f in Fields()) f.Write(json, f.Name);
            json.WriteEndObject();
        }

        var config = PeftConfig.Parse(target, Encoding.UTF8.GetString(buffer.ToArray()));
        foreach (var kv in _paths)
        {
            var (m, path) = (kv.Key, kv.Value);
            int rank = config.RankFor(path, out _);
            double alpha = config.AlphaFor(path);
            if (rank != m.Rank || alpha != _alphas[m])
            {
                throw new AdapterException(AdapterErrorIds.OutputModuleInvalid, LoraErrorCategory.InvalidArgument, target,
                    string.Format(CultureInfo.InvariantCulture,
                        "Module '{0}' (rank {1}, alpha {2}) would be read back with rank {3} and alpha {4}: another module's pattern key matches its path. Rename or drop one of them.",
                        m.Name, m.Rank, _alphas[m], rank, alpha),
                    m.Name);
            }
        }
    }

    private static T MostCommon<T>(IEnumerable<T> values) where T : IComparable<T> =>
        values.GroupBy(v => v).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => g.Key).First();

    /// <summary>Longer keys first (a key can only shadow a longer path it is a suffix of), then ordinal.</summary>
    private sealed class PatternOrder : IComparer<string>
    {
        public static readonly PatternOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            int byLength = (y?.Length ?? 0).CompareTo(x?.Length ?? 0);
            return byLength != 0 ? byLength : string.CompareOrdinal(x, y);
        }
    }
}

/// <summary>One property of a JSON object, written under a name the caller chooses (diffusers prefixes it by component).</summary>
internal sealed class JsonField
{
    public JsonField(string name, Action<Utf8JsonWriter, string> write)
    {
        Name = name;
        Write = write;
    }

    public string Name { get; }

    public Action<Utf8JsonWriter, string> Write { get; }

    public static JsonField String(string name, string? value) =>
        new(name, (json, n) => { if (value is null) json.WriteNull(n); else json.WriteString(n, value); });

    public static JsonField Bool(string name, bool value) => new(name, (json, n) => json.WriteBoolean(n, value));

    public static JsonField Number(string name, double value) => new(name, (json, n) => json.WriteNumber(n, value));

    public static JsonField Null(string name) => new(name, (json, n) => json.WriteNull(n));

    public static JsonField Strings(string name, IReadOnlyList<string> values) => new(name, (json, n) =>
    {
        json.WriteStartArray(n);
        foreach (var v in values) json.WriteStringValue(v);
        json.WriteEndArray();
    });
}
