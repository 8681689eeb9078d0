using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Diagnostics;

namespace LoraLego.Reporting;

/// <summary>
/// Builds a <see cref="LoraReport"/> from adapters, merges with their sources, and cluster
/// centroids. Each section appears only when its inputs are there. Everything is computed from
/// the factors; the result depends only on the inputs (no clock, no randomness).
/// </summary>
public static class ReportBuilder
{
    /// <param name="onError">Called for each engine failure on part of the report (e.g. a module whose shapes disagree); the report goes on without that part and lists it in its notes.</param>
    public static LoraReport Build(ReportInputs inputs, IProgress<string>? progress = null, Action<LoraLegoException>? onError = null, CancellationToken cancellationToken = default)
    {
        if (inputs.Merged.Count > 0 && inputs.Sources.Count == 0)
        {
            throw new LoraLegoException(ReportErrorIds.ReportSourceMissing, LoraErrorCategory.InvalidArgument, inputs.Merged[0].Name,
                $"Merged adapter '{inputs.Merged[0].Name}' came without its sources; pass them with -Source so the report can measure what the merge keeps.");
        }

        if (inputs.Adapters.Count == 0 && inputs.Merged.Count == 0 && inputs.Sources.Count == 0 && inputs.Centroids.Count == 0)
        {
            throw new LoraLegoException(ReportErrorIds.ReportInputMissing, LoraErrorCategory.InvalidArgument, inputs.Title,
                "Nothing to report: give adapters (-Adapter or the pipeline), a merge with its sources (-Merged, -Source) or cluster centroids (-Centroid or the pipeline).");
        }

        foreach (var unit in inputs.Centroids)
        {
            if (!unit.IsCentroid)
            {
                throw new LoraLegoException(ReportErrorIds.ReportNotACentroid, LoraErrorCategory.InvalidArgument, unit.ToString(),
                    $"Unit '{unit}' is not a cluster centroid (it came from {unit.Method}, not Invoke-LoraCluster); pass the output of Invoke-LoraCluster as -Centroid.");
            }
        }

        var context = new ReportContext(inputs, progress, onError, cancellationToken);
        var sections = new List<ReportSection?>
        {
            LayerSection.Build(context),
            context.Pool.Count > 0 ? SpectraSection.Build(context) : null,
            RetentionSection.Build(context),
            SimilaritySection.Build(context),
            ClusterSection.Build(context),
        };
        return new LoraReport(inputs.Title, sections.Where(s => s is not null).Select(s => s!).ToList(), context.Notes.ToList());
    }
}
