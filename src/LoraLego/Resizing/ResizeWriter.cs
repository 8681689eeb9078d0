using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Pipeline;

namespace LoraLego.Resizing;

/// <summary>Writes resized modules as one adapter through <see cref="AdapterWriter"/> (per-module ranks, scale 1 everywhere).</summary>
public static class ResizeWriter
{
    /// <summary>
    /// Writes <paramref name="modules"/> (all resized from <paramref name="source"/>) to <paramref name="target"/>.
    /// <paramref name="options"/> chooses format, dtype and overwrite; its Sources, ExtraTensors (the source's,
    /// copied byte for byte) and Provenance are filled here.
    /// Returns the path written (PEFT folder or kohya file).
    /// </summary>
    public static string Write(string target, LoraAdapter source, IReadOnlyList<ResizedModule> modules, ResizeOptions resize, AdapterWriteOptions options, CancellationToken cancellationToken = default)
    {
        if (source is null) throw new ArgumentNullException(nameof(source));
        if (modules is null) throw new ArgumentNullException(nameof(modules));
        if (resize is null) throw new ArgumentNullException(nameof(resize));
        if (options is null) throw new ArgumentNullException(nameof(options));
        options.Sources = new[] { source };

        // A resized adapter is the same adapter: heads saved whole (modules_to_save) stay with it.
        options.ExtraTensors = source.ExtraTensors;
        options.Provenance = MergeStage.OperationProvenance("resize", Describe(resize), options.Sources, s => s.ComputeSha256(cancellationToken));
        var byName = modules.ToDictionary(m => m.Output.Name, StringComparer.Ordinal);
        return AdapterWriter.Write(target, modules.Select(m => m.Output).ToList(), (m, _) => byName[m.Name].Units, options, cancellationToken);
    }

    private static IEnumerable<KeyValuePair<string, string>> Describe(ResizeOptions o)
    {
        var culture = CultureInfo.InvariantCulture;
        yield return new("criterion", o.Criterion.ToString());
        if (o.Criterion == RankCriterion.Fixed)
        {
            yield return new("rank", o.Rank.ToString(culture));
            yield break;
        }

        yield return new("threshold", o.Threshold.ToString("R", culture));
        yield return new("min_rank", o.MinRank.ToString(culture));
        if (o.MaxRank != int.MaxValue) yield return new("max_rank", o.MaxRank.ToString(culture));
    }
}
