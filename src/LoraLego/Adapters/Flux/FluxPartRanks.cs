using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using LoraLego.Diagnostics;

namespace LoraLego.Adapters.Flux;

/// <summary>
/// The metadata entry that says which of a fused module's ranks each split layer uses, so that a fused
/// qkv / linear1 written from separate LoRAs (B block-diagonal, ranks added up) reads back as those
/// LoRAs at their own ranks instead of every part at the sum. Value: a JSON object, stored module name →
/// one [start, count] per part in the layer's row order (q, k, v, mlp); [0, 0] for a part the writer had
/// nothing for; [0, r] for parts that share one A. Written by <see cref="Formats.FluxBflPlan.PartRanks"/>'s
/// user (the kohya writer), read by FluxReader, which checks B is zero outside each part's block.
/// </summary>
public static class FluxPartRanks
{
    public const string MetadataKey = "loralego.flux_part_ranks";

    /// <summary>The JSON value for <paramref name="modules"/> (stored name → per-part [start, count]).</summary>
    public static string Format(IEnumerable<KeyValuePair<string, IReadOnlyList<(int Start, int Count)>>> modules)
    {
        var obj = modules.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(kv => kv.Key, kv => kv.Value.Select(c => new[] { c.Start, c.Count }).ToArray(), StringComparer.Ordinal);
        return JsonSerializer.Serialize(obj);
    }

    /// <summary>The entry of a file's metadata (empty when absent); an entry that is not such an object is an error naming the file.</summary>
    internal static Dictionary<string, (int Start, int Count)[]> Parse(string file, IReadOnlyDictionary<string, string> metadata)
    {
        var result = new Dictionary<string, (int, int)[]>(StringComparer.Ordinal);
        if (!metadata.TryGetValue(MetadataKey, out var json)) return result;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Invalid(file, "it is not a JSON object");
            foreach (var module in doc.RootElement.EnumerateObject())
            {
                if (module.Value.ValueKind != JsonValueKind.Array) throw Invalid(file, $"'{module.Name}' is not a list of [start, count]");
                var parts = new List<(int, int)>();
                foreach (var part in module.Value.EnumerateArray())
                {
                    if (part.ValueKind != JsonValueKind.Array || part.GetArrayLength() != 2
                        || !part[0].TryGetInt32(out var start) || !part[1].TryGetInt32(out var count))
                        throw Invalid(file, $"'{module.Name}' holds {part.GetRawText()}, not [start, count]");
                    parts.Add((start, count));
                }

                result[module.Name] = parts.ToArray();
            }
        }
        catch (JsonException e)
        {
            throw Invalid(file, "it is not valid JSON: " + e.Message);
        }

        return result;
    }

    /// <summary>The entry of one module, checked against its part count and rank.</summary>
    internal static (int Start, int Count)[] Check(string file, string module, (int Start, int Count)[] columns, int parts, int rank)
    {
        bool ok = columns.Length == parts && columns.All(c => c.Start >= 0 && c.Count >= 0 && c.Start + c.Count <= rank) && columns.Any(c => c.Count > 0);
        if (!ok)
        {
            throw new AdapterException(AdapterErrorIds.LoraShapeMismatch, LoraErrorCategory.InvalidData, file,
                $"{file}: __metadata__[\"{MetadataKey}\"] gives module '{module}' the parts {string.Join(", ", columns.Select(c => $"[{c.Start}, {c.Count}]"))}; it has {parts} parts and rank {rank}. Remove the entry to read the module as one fused LoRA.",
                module);
        }

        return columns;
    }

    private static AdapterException Invalid(string file, string what) =>
        new(AdapterErrorIds.AdapterConfigInvalid, LoraErrorCategory.InvalidData, file,
            $"{file}: __metadata__[\"{MetadataKey}\"] is not readable: {what}. Remove the entry to read its fused modules as they are stored.");
}
