using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LoraLego.Diagnostics;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

namespace LoraLego.Reporting;

/// <summary>
/// Singular spectra per module: one chart per module, one line per adapter (merges dashed) and,
/// when the sources are known, the spectrum of their exact (weighted) sum, which is what a merge
/// tries to keep. Only the modules that move the weights most get a chart.
/// </summary>
internal static class SpectraSection
{
    /// <summary>Singular values below this fraction of a module's largest are rounding noise; a log axis would plunge to them.</summary>
    private const double Floor = 1e-10;

    public static ReportSection Build(ReportContext context)
    {
        var modules = context.ModuleNames();
        var ranked = modules
            .Select(name => (Name: name, Norm: context.Pool.Select(a => context.Norm(a, name)).DefaultIfEmpty(0).Max()))
            .OrderByDescending(m => m.Norm)
            .ThenBy(m => m.Name, Adapters.NaturalStringComparer.Instance)
            .Take(Math.Max(1, context.Inputs.TopModules))
            .Select(m => m.Name)
            .OrderBy(n => n, Adapters.NaturalStringComparer.Instance)
            .ToList();

        var charts = new List<ReportChart>();
        foreach (var module in ranked)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            context.Report($"Spectra: {module}");
            charts.Add(Chart(context, module));
        }

        string shown = ranked.Count == modules.Count
            ? $"All {modules.Count} modules are shown."
            : $"The {ranked.Count} of {modules.Count} modules with the largest deltas (‖ΔW‖_F of any adapter) are shown, in name order.";
        string sum = context.Inputs.Sources.Count > 0 && context.Inputs.Merged.Count > 0
            ? " The black dotted line is the exact weighted sum of the sources: a merge that keeps everything follows it; a smaller merge keeps its top singular values."
            : string.Empty;
        return new ReportSection("spectra", "Singular spectra per module",
            "Each line is the singular values of one adapter's ΔW = scale·B·A for that module, largest first, on a log scale, computed from the factors. "
            + "A flat spectrum uses its whole rank; a steep one is nearly low-rank. Merged adapters are dashed." + sum + " " + shown,
            charts, Array.Empty<ReportTable>());
    }

    private static ReportChart Chart(ReportContext context, string module)
    {
        var model = ChartStyle.NewModel(ReportNames.Short(module, 48));
        int longest = 1;
        double lowest = double.PositiveInfinity, highest = 0;
        void AddLine(LineSeries series, double[] sigma)
        {
            if (sigma.Length == 0) return;
            double top = sigma[0];
            for (int i = 0; i < sigma.Length && sigma[i] > Floor * top; i++)
            {
                series.Points.Add(new DataPoint(i + 1, sigma[i]));
                lowest = Math.Min(lowest, sigma[i]);
                highest = Math.Max(highest, sigma[i]);
            }

            longest = Math.Max(longest, series.Points.Count);
            if (series.Points.Count > 0) model.Series.Add(series);
        }

        for (int i = 0; i < context.Pool.Count; i++)
        {
            var sigma = context.Spectrum(context.Pool[i], module);
            AddLine(context.Line(i), sigma);
        }

        if (context.Inputs.Sources.Count > 0 && context.Inputs.Merged.Count > 0)
        {
            try
            {
                AddLine(new LineSeries
                {
                    Title = "sum of sources",
                    Color = OxyColors.Black,
                    StrokeThickness = 1.5,
                    LineStyle = LineStyle.Dot,
                    MarkerType = MarkerType.None,
                }, SourceSum(context, module));
            }
            catch (LoraLegoException e)
            {
                context.Fail(e, $"the sources' sum is left out of the spectrum of {module}");
            }
        }

        var x = ChartStyle.Value(new LinearAxis(), AxisPosition.Bottom, "singular value index (1 = largest)");
        x.Minimum = 0.5;
        x.Maximum = longest + 0.5;
        x.MajorStep = longest <= 16 ? 1 : Math.Ceiling(longest / 12.0);
        x.MinorStep = x.MajorStep;
        x.StringFormat = "0";
        model.Axes.Add(x);
        var y = ChartStyle.Value(new LogarithmicAxis(), AxisPosition.Left, "σ (log scale)");
        if (highest > 0)
        {
            y.Minimum = lowest / 1.6;
            y.Maximum = highest * 1.6;
        }

        model.Axes.Add(y);
        return new ReportChart(model, ReportNames.Short(module, 48) == module ? string.Empty : module, ChartStyle.Width, ChartStyle.Height);
    }

    /// <summary>The spectrum of Σ_i w_i ΔS_i: every source's units stacked, through the same seam.</summary>
    private static double[] SourceSum(ReportContext context, string module)
    {
        var blocks = new List<Units.UnitBlock>();
        Adapters.LoraModule? shape = null;
        for (int i = 0; i < context.Inputs.Sources.Count; i++)
        {
            var m = context.Inputs.Sources[i].GetModule(module);
            if (m is null) continue;
            if (shape is not null && (m.InFeatures != shape.InFeatures || m.OutFeatures != shape.OutFeatures))
            {
                throw new LoraLegoException("ModuleShapeMismatch", LoraErrorCategory.InvalidData, module,
                    $"Module '{module}' is {shape.OutFeatures}×{shape.InFeatures} in '{shape.Adapter.Name}' but {m.OutFeatures}×{m.InFeatures} in '{m.Adapter.Name}'.");
            }

            shape ??= m;
            double weight = i < context.Inputs.Weights.Count ? context.Inputs.Weights[i] : 1.0;
            blocks.Add(m.ReadUnits(weight));
        }

        return SpectrumSeam.OfSum(blocks);
    }
}
