using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Pipeline;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace LoraLego.Reporting;

/// <summary>
/// Cluster membership by source adapter, from Invoke-LoraCluster's centroids: how many units of
/// each source every cluster holds, and per module how many clusters one source has to itself
/// versus how many several sources share (where a merge really mixes the adapters).
/// </summary>
internal static class ClusterSection
{
    /// <summary>Bars in the per-cluster chart; beyond this the chart would be unreadable, so the text says what was left out.</summary>
    private const int MaxClusterBars = 48;

    public static ReportSection? Build(ReportContext context)
    {
        var centroids = context.Inputs.Centroids;
        if (centroids.Count == 0) return null;
        var modules = centroids.Select(c => c.Module).Distinct(StringComparer.Ordinal).ToList();
        // The pool's order (sources first) where the members' adapters are in it, so legends read the same in every chart.
        var named = centroids.SelectMany(c => c.Members).Select(m => m.Adapter).Distinct(StringComparer.Ordinal).ToList();
        var sources = context.Pool.Select(a => a.Name).Where(named.Contains)
            .Concat(named.OrderBy(n => n, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();

        var charts = new List<ReportChart> { PerCluster(context, centroids, sources) };
        if (modules.Count > 1) charts.Add(PerModule(context, centroids, modules, sources));
        int shown = Math.Min(MaxClusterBars, centroids.Count);
        string truncated = shown < centroids.Count
            ? $" The per-cluster chart shows the first {shown} of {centroids.Count} clusters (in module order); the per-module chart counts them all."
            : string.Empty;
        return new ReportSection("clusters", "Cluster membership by source",
            "Each LoRA-LEGO centroid stands for a cluster of rank-1 units. A cluster whose members come from one source keeps that source's direction; "
            + "a cluster that several sources share averages them." + truncated,
            charts, new[] { Table(centroids, modules, sources) });
    }

    private static ReportChart PerCluster(ReportContext context, IList<LoraUnit> centroids, IReadOnlyList<string> sources)
    {
        var shown = centroids.Take(MaxClusterBars).ToList();
        var model = ChartStyle.NewModel("Members of each cluster, by source");
        var labels = shown.Select(c => $"{ReportNames.Short(c.Module, 28)} #{c.ClusterIndex}").ToList();
        model.Axes.Add(ChartStyle.Rows(labels));
        model.Axes.Add(ChartStyle.FromZero("units in the cluster"));
        foreach (var source in sources)
        {
            var series = new BarSeries { Title = source, FillColor = context.ColourOf(source), IsStacked = true, StrokeThickness = 0 };
            for (int i = 0; i < shown.Count; i++)
            {
                series.Items.Add(new BarItem(shown[i].Members.Count(m => m.Adapter == source), i));
            }

            model.Series.Add(series);
        }

        return new ReportChart(model, string.Empty, ChartStyle.Width, BarHeight(shown.Count));
    }

    private static ReportChart PerModule(ReportContext context, IList<LoraUnit> centroids, IReadOnlyList<string> modules, IReadOnlyList<string> sources)
    {
        var model = ChartStyle.NewModel("Clusters per module: one source or shared");
        model.Axes.Add(ChartStyle.Rows(modules.Select(m => ReportNames.Short(m, 32))));
        model.Axes.Add(ChartStyle.FromZero("clusters"));
        var series = sources.ToDictionary(s => s, s => new BarSeries { Title = "only " + s, FillColor = context.ColourOf(s), IsStacked = true, StrokeThickness = 0 }, StringComparer.Ordinal);
        var shared = new BarSeries { Title = "shared", FillColor = ChartStyle.Shared, IsStacked = true, StrokeThickness = 0 };
        for (int i = 0; i < modules.Count; i++)
        {
            var ofModule = centroids.Where(c => c.Module == modules[i]).ToList();
            foreach (var source in sources)
            {
                series[source].Items.Add(new BarItem(ofModule.Count(c => c.Members.Count > 0 && c.Members.All(m => m.Adapter == source)), i));
            }

            shared.Items.Add(new BarItem(ofModule.Count(c => c.Members.Select(m => m.Adapter).Distinct(StringComparer.Ordinal).Count() > 1), i));
        }

        foreach (var source in sources) model.Series.Add(series[source]);
        model.Series.Add(shared);
        return new ReportChart(model, string.Empty, ChartStyle.Width, BarHeight(modules.Count));
    }

    private static ReportTable Table(IList<LoraUnit> centroids, IReadOnlyList<string> modules, IReadOnlyList<string> sources)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var module in modules)
        {
            var ofModule = centroids.Where(c => c.Module == module).ToList();
            var row = new List<string>
            {
                module,
                ofModule.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ofModule.Count(c => c.Members.Select(m => m.Adapter).Distinct(StringComparer.Ordinal).Count() > 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            foreach (var source in sources) row.Add(ofModule.Sum(c => c.Members.Count(m => m.Adapter == source)).ToString(System.Globalization.CultureInfo.InvariantCulture));
            rows.Add(row);
        }

        return new ReportTable("Clusters and member units per module",
            new[] { "module", "clusters", "shared clusters" }.Concat(sources.Select(s => "units of " + s)).ToList(), rows);
    }

    private static int BarHeight(int bars) => Math.Max(ChartStyle.Height, 110 + (22 * bars));
}
