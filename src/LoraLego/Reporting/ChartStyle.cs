using System.Collections.Generic;
using System.Globalization;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;

namespace LoraLego.Reporting;

/// <summary>
/// The look every chart shares: one font stack (measured with OxyPlot's Helvetica metrics, drawn
/// by the browser as Arial/Liberation Sans), quiet grid lines, the legend under the plot, and a
/// colour-blind-safe palette (Tableau 10) assigned per adapter so a source keeps its colour in
/// every chart.
/// </summary>
internal static class ChartStyle
{
    public const string Font = "Arial, Liberation Sans, Helvetica, sans-serif";
    public const int Width = 550;
    public const int Height = 340;

    private static readonly OxyColor[] Palette =
    {
        OxyColor.FromRgb(0x4E, 0x79, 0xA7), OxyColor.FromRgb(0xF2, 0x8E, 0x2B), OxyColor.FromRgb(0xE1, 0x57, 0x59),
        OxyColor.FromRgb(0x76, 0xB7, 0xB2), OxyColor.FromRgb(0x59, 0xA1, 0x4F), OxyColor.FromRgb(0xED, 0xC9, 0x48),
        OxyColor.FromRgb(0xB0, 0x7A, 0xA1), OxyColor.FromRgb(0xFF, 0x9D, 0xA7), OxyColor.FromRgb(0x9C, 0x75, 0x5F),
        OxyColor.FromRgb(0xBA, 0xB0, 0xAC),
    };

    public static readonly OxyColor Ink = OxyColor.FromRgb(0x33, 0x33, 0x33);
    public static readonly OxyColor Shared = OxyColor.FromRgb(0x8C, 0x8C, 0x8C);
    private static readonly OxyColor Grid = OxyColor.FromRgb(0xE6, 0xE6, 0xE6);
    private static readonly OxyColor Frame = OxyColor.FromRgb(0xB0, 0xB0, 0xB0);

    /// <summary>The palette colour of the <paramref name="index"/>-th adapter (cycles after ten).</summary>
    public static OxyColor Colour(int index) => Palette[index % Palette.Length];

    /// <summary>The palette as #rrggbb, for the HTML legend swatches and for tests that look for the colours on screen.</summary>
    public static IReadOnlyList<string> PaletteHex
    {
        get
        {
            var list = new List<string>();
            foreach (var c in Palette) list.Add($"#{c.R:x2}{c.G:x2}{c.B:x2}");
            return list;
        }
    }

    public static PlotModel NewModel(string title, bool legend = true)
    {
        var model = new PlotModel
        {
            Title = title,
            // Tick labels are formatted with the model's culture: the invariant one, so a report reads (and hashes) the same everywhere.
            Culture = CultureInfo.InvariantCulture,
            DefaultFont = Font,
            DefaultFontSize = 11,
            TitleFontSize = 14,
            TitleFontWeight = FontWeights.Bold,
            TextColor = Ink,
            TitleColor = Ink,
            PlotAreaBorderColor = Frame,
            PlotAreaBorderThickness = new OxyThickness(1),
            Padding = new OxyThickness(8, 8, 16, 8),
            Background = OxyColors.White,
        };
        if (legend)
        {
            model.Legends.Add(new Legend
            {
                LegendPlacement = LegendPlacement.Outside,
                LegendPosition = LegendPosition.BottomCenter,
                LegendOrientation = LegendOrientation.Horizontal,
                LegendBorderThickness = 0,
                LegendFontSize = 11,
                LegendTextColor = Ink,
                LegendItemSpacing = 14,
            });
        }

        return model;
    }

    /// <summary>A value axis with light grid lines and a title saying what is measured.</summary>
    public static T Value<T>(T axis, AxisPosition position, string title) where T : Axis
    {
        axis.Position = position;
        axis.Title = title;
        axis.MajorGridlineStyle = LineStyle.Solid;
        axis.MajorGridlineColor = Grid;
        axis.MinorGridlineStyle = LineStyle.None;
        axis.TicklineColor = Frame;
        axis.AxislineColor = Frame;
        axis.TitleFontSize = 12;
        return axis;
    }

    /// <summary>Category rows on the left, the first at the top (as a table reads): the axis of horizontal bar charts.</summary>
    public static CategoryAxis Rows(IEnumerable<string> labels)
    {
        var axis = Categories(AxisPosition.Left, string.Empty, labels);
        axis.StartPosition = 1;
        axis.EndPosition = 0;
        return axis;
    }

    /// <summary>A bottom value axis that starts at 0 (counts, bar lengths).</summary>
    public static LinearAxis FromZero(string title)
    {
        var axis = Value(new LinearAxis(), AxisPosition.Bottom, title);
        axis.Minimum = 0;
        axis.MinimumPadding = 0;
        axis.MaximumPadding = 0.06;
        return axis;
    }

    /// <summary>A category axis whose labels are the given names (in order).</summary>
    public static CategoryAxis Categories(AxisPosition position, string title, IEnumerable<string> labels)
    {
        var axis = new CategoryAxis
        {
            Position = position,
            Title = title,
            TitleFontSize = 12,
            TicklineColor = Frame,
            AxislineColor = Frame,
            GapWidth = 0.35,
            MajorGridlineStyle = LineStyle.None,
        };
        axis.Labels.AddRange(labels);
        return axis;
    }
}
