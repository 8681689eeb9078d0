using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Units;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace LoraLego.Reporting;

/// <summary>
/// The pool's pairwise similarity: the cosine of whole adapters' deltas, Σ_m ⟨ΔW₁,ΔW₂⟩ over the
/// modules both have, divided by the product of their total Frobenius norms. Read module by module
/// (each module of each adapter once), so the pool never sits in memory at once.
/// </summary>
internal static class SimilaritySection
{
    public static ReportSection? Build(ReportContext context)
    {
        int n = context.Pool.Count;
        if (n < 2) return null;
        var inner = new double[n, n];
        foreach (var module in context.ModuleNames())
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            context.Report($"Similarity: {module}");
            var blocks = new UnitBlock?[n];
            for (int i = 0; i < n; i++) blocks[i] = context.Pool[i].GetModule(module)?.ReadUnits();
            for (int i = 0; i < n; i++)
            {
                if (blocks[i] is not { } x) continue;
                for (int j = i; j < n; j++)
                {
                    // A module of another shape in another adapter is not the same layer: it adds nothing to their inner product.
                    if (blocks[j] is not { } y || y.InFeatures != x.InFeatures || y.OutFeatures != x.OutFeatures) continue;
                    double value = SimilaritySeam.Inner(x, y);
                    inner[i, j] += value;
                    if (j != i) inner[j, i] += value;
                }
            }
        }

        var cosine = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double denominator = Math.Sqrt(inner[i, i] * inner[j, j]);
                cosine[i, j] = denominator > 0 ? Math.Max(-1, Math.Min(1, inner[i, j] / denominator)) : double.NaN;
            }
        }

        return new ReportSection("similarity", "Similarity of the pool",
            "Cosine similarity of the adapters' whole deltas (all modules together, Frobenius inner product from the factors): "
            + "1 means the same direction, 0 unrelated updates, −1 opposite ones. Independent tasks sit near 0; "
            + "a merge resembles the sources it keeps.",
            new[] { Chart(context, cosine) }, new[] { Table(context, cosine) });
    }

    private static ReportChart Chart(ReportContext context, double[,] cosine)
    {
        int n = context.Pool.Count;
        var model = ChartStyle.NewModel("Cosine similarity of the deltas", legend: false);
        var labels = context.Names.Select(name => ReportNames.Short(name, 24)).ToList();
        model.Axes.Add(ChartStyle.Categories(AxisPosition.Bottom, string.Empty, labels));
        // First adapter at the top, like a matrix.
        model.Axes.Add(ChartStyle.Rows(labels));
        model.Axes.Add(new LinearColorAxis
        {
            Position = AxisPosition.Right,
            Minimum = -1,
            Maximum = 1,
            // Diverging, centred on 0 and not fully saturated at ±1, so the black cell labels stay readable.
            Palette = OxyPalette.Interpolate(200, OxyColor.FromRgb(0x3B, 0x6F, 0xB6), OxyColor.FromRgb(0xF7, 0xF7, 0xF7), OxyColor.FromRgb(0xD6, 0x60, 0x4D)),
            Title = "cosine",
            TitleFontSize = 12,
            MajorStep = 0.5,
        });
        if (n > 8) model.Axes[0].Angle = -35;
        var data = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) data[i, j] = double.IsNaN(cosine[i, j]) ? 0 : cosine[i, j];
        }

        model.Series.Add(new HeatMapSeries
        {
            X0 = 0,
            X1 = n - 1,
            Y0 = 0,
            Y1 = n - 1,
            Data = data,
            RenderMethod = HeatMapRenderMethod.Rectangles,
            LabelFontSize = n <= 12 ? 0.22 : 0,
            LabelFormatString = "0.00",
        });
        int size = Math.Min(900, 240 + (40 * n));
        return new ReportChart(model, "Rows and columns in the same order: sources, adapters, merges.", Math.Max(ChartStyle.Width, size + 80), size);
    }

    private static ReportTable Table(ReportContext context, double[,] cosine)
    {
        var rows = new List<IReadOnlyList<string>>();
        for (int i = 0; i < context.Pool.Count; i++)
        {
            var row = new List<string> { context.Names[i] };
            for (int j = 0; j < context.Pool.Count; j++) row.Add(ReportNames.Number(cosine[i, j], "0.000"));
            rows.Add(row);
        }

        return new ReportTable("Cosine similarity", new[] { "adapter" }.Concat(context.Names).ToList(), rows);
    }
}
