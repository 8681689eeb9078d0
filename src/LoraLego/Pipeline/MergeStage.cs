using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Pipeline;

/// <summary>
/// Merge-LoraAdapter's engine side: which adapters fed the units, how each module is merged, and
/// the provenance written beside the tensors.
/// </summary>
public static class MergeStage
{
    private const string SourcesKey = "loralego.sources";

    /// <summary>Every adapter the gathered units come from, by name then path (arrival order does not matter).</summary>
    public static IReadOnlyList<LoraAdapter> Sources(UnitCollector units) =>
        units.Pools.SelectMany(p => p.Units).SelectMany(u => u.Origins).Distinct()
            .OrderBy(a => a.Name, StringComparer.Ordinal).ThenBy(a => a.Path, StringComparer.Ordinal).ToList();

    /// <summary>Merges one module's units with the method (Concat keeps every unit: the exact sum), then applies <see cref="MergeOptions.OutputScale"/>.</summary>
    public static UnitBlock MergeModule(ModulePool pool, IMergeMethod method, MergeOptions options, CancellationToken cancellationToken) =>
        MergeModule(pool, method, options, null, cancellationToken);

    /// <summary>As above, reading the sources' factors into <paramref name="recycler"/>'s arrays (one recycler per stage).</summary>
    public static UnitBlock MergeModule(ModulePool pool, IMergeMethod method, MergeOptions options, FactorRecycler? recycler, CancellationToken cancellationToken)
    {
        var input = pool.ToMergeInput(cancellationToken, recycler);
        UnitBlock? merged = null;
        try
        {
            merged = method.MergeScaled(input, options, cancellationToken);
            return merged;
        }
        finally
        {
            // A method that handed back its input's own arrays keeps them.
            recycler?.Return(input.Sources, keep: merged);
        }
    }

    /// <summary>Output module shaped like the pool's modules at the given rank.</summary>
    public static OutputModule OutputFor(ModulePool pool, int rank) => OutputModule.Like(pool.First.Template, rank);

    /// <summary>
    /// Provenance for __metadata__: the sources (name, format, SHA-256 of the tensor file), the method
    /// and its options, and how clustered units were made. No paths or times, so the same inputs and
    /// seed give byte-identical files.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Provenance(UnitCollector units, IReadOnlyList<LoraAdapter> sources, string method, MergeOptions options) =>
        Provenance(units, sources, method, options, s => s.ComputeSha256());

    /// <summary>
    /// As above, with each source's hash from <paramref name="sha256"/>: hashes computed elsewhere
    /// (<see cref="SourceHashes"/>), or <see cref="SourceHashes.Pending"/> to lay out a header of
    /// the final length before they are known.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Provenance(UnitCollector units, IReadOnlyList<LoraAdapter> sources, string method, MergeOptions options, Func<LoraAdapter, string> sha256)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["loralego.version"] = typeof(MergeStage).Assembly.GetName().Version?.ToString(3) ?? "0",
            ["loralego.method"] = method,
            ["loralego.options"] = Json(w => WriteMap(w, options.Describe(method))),
            [SourcesKey] = SourcesJson(sources, sha256),
        };

        // Thousands of centroids carry equal MadeWith maps: each distinct map is serialised once (equal
        // maps give equal JSON, so this is the list of distinct JSON texts, in first-seen order).
        var made = units.Pools.SelectMany(p => p.Units).Select(u => u.MadeWith).Where(m => m.Count > 0).Distinct(MapContentEquality.Instance)
            .Select(m => Json(w => WriteMap(w, m))).ToList();
        if (made.Count > 0) result["loralego.units_made_with"] = made.Count == 1 ? made[0] : "[" + string.Join(",", made) + "]";
        return result;
    }

    /// <summary>
    /// <paramref name="provenance"/> with the sources' entry made anew from <paramref name="sha256"/>,
    /// everything else kept: finishes a provenance laid out with <see cref="SourceHashes.Pending"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> WithSourceHashes(IReadOnlyDictionary<string, string> provenance, IReadOnlyList<LoraAdapter> sources, Func<LoraAdapter, string> sha256)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in provenance) result[kv.Key] = kv.Value;
        result[SourcesKey] = SourcesJson(sources, sha256);
        return result;
    }

    /// <summary>
    /// Provenance of an adapter made from <paramref name="sources"/> by an operation other than a merge
    /// (e.g. "resize"): version, operation, its options and the sources, in the same keys a merge writes.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> OperationProvenance(string operation, IEnumerable<KeyValuePair<string, string>> options, IReadOnlyList<LoraAdapter> sources, Func<LoraAdapter, string> sha256) =>
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["loralego.version"] = typeof(MergeStage).Assembly.GetName().Version?.ToString(3) ?? "0",
            ["loralego.method"] = operation,
            ["loralego.options"] = Json(w => WriteMap(w, options)),
            [SourcesKey] = SourcesJson(sources, sha256),
        };

    private static string SourcesJson(IReadOnlyList<LoraAdapter> sources, Func<LoraAdapter, string> sha256) => Json(w =>
    {
        w.WriteStartArray();
        foreach (var s in sources)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            w.WriteString("format", s.Format.ToString());
            w.WriteString("file", Path.GetFileName(s.TensorFilePath));
            w.WriteString("sha256", sha256(s));
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    private static void WriteMap(Utf8JsonWriter w, IEnumerable<KeyValuePair<string, string>> map)
    {
        w.WriteStartObject();
        foreach (var kv in map.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(kv.Key, kv.Value);
        w.WriteEndObject();
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) write(writer);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
