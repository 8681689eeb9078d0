using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LoraLego.Measuring;
using LoraLego.Pipeline;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace LoraLego.Reporting;

/// <summary>
/// Rank and norm by layer: modules grouped by their layer index (the first number in the path,
/// <see cref="ModuleLayers"/>); norm of a layer = √Σ‖ΔW‖²_F of its modules, rank = the mean
/// effective rank (exp of the spectral entropy) of its modules. Without layer numbers in the
/// names (a small MLP), each module is its own group.
/// </summary>
internal static class LayerSection
{
    private const int MaxGroups = 64;

    public static ReportSection? Build(ReportContext context)
    {
        if (context.Pool.Count == 0) return null;
        var modules = context.ModuleNames();
        bool byLayer = modules.Any(m => ModuleLayers.LayerOf(m) is not null);
        var groups = modules
            .GroupBy(m => byLayer ? ModuleLayers.LayerOf(m) ?? "other" : m, StringComparer.Ordinal)
            .OrderBy(g => g.Key == "other" ? 1 : 0)
            .ThenBy(g => int.TryParse(g.Key, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : int.MaxValue)
            .ThenBy(g => g.Key, Adapters.NaturalStringComparer.Instance)
            .Take(MaxGroups)
            .ToList();
        int groupCount = modules.GroupBy(m => byLayer ? ModuleLayers.LayerOf(m) ?? "other" : m, StringComparer.Ordinal).Count();

        var norm = new double[context.Pool.Count][];
        var rank = new double[context.Pool.Count][];
        for (int a = 0; a < context.Pool.Count; a++)
        {
            norm[a] = new double[groups.Count];
            rank[a] = new double[groups.Count];
            for (int g = 0; g < groups.Count; g++)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                double sum2 = 0, effective = 0;
                int present = 0;
                foreach (var module in groups[g])
                {
                    var sigma = context.Spectrum(context.Pool[a], module);
                    if (sigma.Length == 0) continue;
                    present++;
                    sum2 += sigma.Sum(s => s * s);
                    effective += MergeMeasurer.EffectiveRank(sigma);
                }

                norm[a][g] = present == 0 ? double.NaN : Math.Sqrt(sum2);
                rank[a][g] = present == 0 ? double.NaN : effective / present;
            }
        }

        var labels = groups.Select(g => byLayer ? (g.Key == "other" ? "other" : "layer " + g.Key) : ReportNames.Short(g.Key, 24)).ToList();
        string what = byLayer
            ? "Modules are grouped by layer (the first number in their path)."
            : "The module names carry no layer number, so each module is its own group.";
        if (groups.Count < groupCount) what += $" The first {groups.Count} of {groupCount} groups are shown.";
        var stored = new List<IReadOnlyList<string>>();
        for (int a = 0; a < context.Pool.Count; a++)
        {
            stored.Add(new[]
            {
                context.Names[a], context.Roles[a], context.Pool[a].Format.ToString(), context.Pool[a].Rank,
                ReportNames.Count(context.Pool[a].ModuleCount), ReportNames.Count(context.Pool[a].ParameterCount),
                ReportNames.Number(Math.Sqrt(norm[a].Where(x => !double.IsNaN(x)).Sum(x => x * x)), "0.0000"),
            });
        }

        return new ReportSection("layers", "Rank and norm by layer",
            "How strongly each adapter moves each layer (Frobenius norm of its deltas) and how many directions it really uses there "
            + "(effective rank: exp of the entropy of the normalised singular values; at most the stored rank). " + what,
            new[]
            {
                Chart(context, "Delta norm by layer", "‖ΔW‖_F", labels, norm),
                Chart(context, "Effective rank by layer", "effective rank", labels, rank),
            },
            new[] { new ReportTable("The adapters", new[] { "adapter", "role", "format", "stored rank", "modules", "parameters", "‖ΔW‖_F (all modules)" }, stored) });
    }

    private static ReportChart Chart(ReportContext context, string title, string yTitle, IReadOnlyList<string> labels, double[][] values)
    {
        var model = ChartStyle.NewModel(title);
        var x = ChartStyle.Categories(AxisPosition.Bottom, string.Empty, labels);
        if (labels.Count > 6) x.Angle = -40;
        model.Axes.Add(x);
        var y = ChartStyle.Value(new LinearAxis(), AxisPosition.Left, yTitle);
        y.Minimum = 0;
        y.MaximumPadding = 0.08;
        model.Axes.Add(y);
        for (int a = 0; a < context.Pool.Count; a++)
        {
            var series = context.Line(a);
            for (int g = 0; g < labels.Count; g++)
            {
                // NaN breaks the line where an adapter has no module in that layer.
                series.Points.Add(new DataPoint(g, values[a][g]));
            }

            model.Series.Add(series);
        }

        return new ReportChart(model, string.Empty, ChartStyle.Width, ChartStyle.Height + (labels.Count > 6 ? 40 : 0));
    }
}
