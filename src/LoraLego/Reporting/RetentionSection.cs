using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Diagnostics;
using LoraLego.Measuring;
using LoraLego.Pipeline;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace LoraLego.Reporting;

/// <summary>
/// Per-source retention of each merge, measured by Measure-LoraMerge's engine (MeasureStage):
/// pooled over the adapter for every merge side by side, then module by module for each merge.
/// </summary>
internal static class RetentionSection
{
    public static ReportSection? Build(ReportContext context)
    {
        var merges = context.Inputs.Merged;
        var sources = context.Inputs.Sources.ToList();
        if (merges.Count == 0 || sources.Count == 0) return null;
        var weights = sources.Select((_, i) => i < context.Inputs.Weights.Count ? context.Inputs.Weights[i] : 1.0).ToList();

        var measured = new List<(string Name, IReadOnlyList<ModuleMeasurement> Modules, MergeSummary Summary)>();
        foreach (var merged in merges)
        {
            var modules = new List<ModuleMeasurement>();
            foreach (var module in MeasureStage.ModuleNames(merged, sources))
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                context.Report($"Retention: {merged.Name} {module}");
                try
                {
                    modules.Add(MeasureStage.Measure(merged, sources, weights, module, context.CancellationToken));
                }
                catch (LoraLegoException e)
                {
                    context.Fail(e, $"module {module} is left out of the retention of {merged.Name}");
                }
            }

            measured.Add((NameOf(context, merged), modules, MeasureStage.Summarize(merged.Name, modules, sources)));
        }

        var charts = new List<ReportChart> { Summary(context, measured, sources) };
        foreach (var m in measured) charts.Add(PerModule(context, m.Name, m.Modules, sources));
        return new ReportSection("retention", "What each merge keeps of each source",
            "Retention is ‖P_U ΔS P_V‖_F / ‖ΔS‖_F: the share of a source's delta that lies in the merged delta's column and row spaces "
            + "(1 = kept whole, 0 = lost), as Measure-LoraMerge reports it. A merge can keep every source's directions and still "
            + "be far from their sum (relative error), so both are listed.",
            charts, new[] { Table(measured, sources) });
    }

    private static string NameOf(ReportContext context, Adapters.LoraAdapter merged)
    {
        for (int i = 0; i < context.Pool.Count; i++)
        {
            if (ReferenceEquals(context.Pool[i], merged)) return context.Names[i];
        }

        return merged.Name;
    }

    private static ReportChart Summary(ReportContext context, List<(string Name, IReadOnlyList<ModuleMeasurement> Modules, MergeSummary Summary)> measured, IReadOnlyList<Adapters.LoraAdapter> sources)
    {
        var model = ChartStyle.NewModel("Retention per source, whole adapter");
        model.Axes.Add(ChartStyle.Rows(measured.Select(m => ReportNames.Short(m.Name, 28))));
        model.Axes.Add(RetentionAxis());
        foreach (var source in sources)
        {
            var series = SourceBars(context, source.Name);
            for (int i = 0; i < measured.Count; i++)
            {
                var s = measured[i].Summary.Sources.FirstOrDefault(x => x.Source == source.Name);
                series.Items.Add(new BarItem(s?.Retention ?? 0, i));
            }

            model.Series.Add(series);
        }

        return new ReportChart(model, "Pooled over modules by the sources' squared norms (Measure-LoraMerge -Summary).", ChartStyle.Width, Math.Max(ChartStyle.Height, 110 + (18 * measured.Count * Math.Max(1, sources.Count))));
    }

    private static ReportChart PerModule(ReportContext context, string merged, IReadOnlyList<ModuleMeasurement> modules, IReadOnlyList<Adapters.LoraAdapter> sources)
    {
        int top = Math.Max(1, context.Inputs.TopModules);
        var shown = modules.OrderByDescending(m => m.SourceSumNorm).Take(top).OrderBy(m => m.Module, Adapters.NaturalStringComparer.Instance).ToList();
        var model = ChartStyle.NewModel($"Retention per module: {ReportNames.Short(merged, 40)}");
        model.Axes.Add(ChartStyle.Rows(shown.Select(m => ReportNames.Short(m.Module, 32))));
        model.Axes.Add(RetentionAxis());
        foreach (var source in sources)
        {
            var series = SourceBars(context, source.Name);
            for (int i = 0; i < shown.Count; i++)
            {
                var s = shown[i].Sources.FirstOrDefault(x => x.Source == source.Name);
                series.Items.Add(new BarItem(s is null || double.IsNaN(s.Retention) ? 0 : s.Retention, i));
            }

            model.Series.Add(series);
        }

        string caption = shown.Count < modules.Count
            ? $"The {shown.Count} of {modules.Count} modules where the sources' sum is largest."
            : string.Empty;
        return new ReportChart(model, caption, ChartStyle.Width, Math.Max(ChartStyle.Height, 110 + (16 * shown.Count * Math.Max(1, sources.Count))));
    }

    private static BarSeries SourceBars(ReportContext context, string source) =>
        new() { Title = source, FillColor = context.ColourOf(source), StrokeThickness = 0 };

    private static LinearAxis RetentionAxis()
    {
        var axis = ChartStyle.Value(new LinearAxis(), AxisPosition.Bottom, "retention (share of the source kept)");
        axis.Minimum = 0;
        axis.Maximum = 1.05;
        axis.MajorStep = 0.2;
        return axis;
    }

    private static ReportTable Table(List<(string Name, IReadOnlyList<ModuleMeasurement> Modules, MergeSummary Summary)> measured, IReadOnlyList<Adapters.LoraAdapter> sources)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var m in measured)
        {
            var row = new List<string>
            {
                m.Name,
                ReportNames.Number(m.Summary.ModuleCount),
                ReportNames.Number(m.Summary.RelativeError, "0.0000"),
                ReportNames.Percent(m.Summary.EnergyCaptured),
                ReportNames.Number(m.Summary.MeanEffectiveRank, "0.00"),
            };
            foreach (var source in sources)
            {
                var s = m.Summary.Sources.FirstOrDefault(x => x.Source == source.Name);
                row.Add(s is null ? "–" : $"{ReportNames.Number(s.Retention, "0.000")} / {ReportNames.Number(s.Cosine, "0.000")}");
            }

            rows.Add(row);
        }

        return new ReportTable("Measure-LoraMerge -Summary of each merge (per source: retention / cosine)",
            new[] { "merge", "modules", "relative error", "energy captured", "mean effective rank" }.Concat(sources.Select(s => s.Name)).ToList(), rows);
    }
}
