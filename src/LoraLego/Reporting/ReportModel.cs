using System.Collections.Generic;
using OxyPlot;

namespace LoraLego.Reporting;

/// <summary>A report: sections of charts and small tables, and notes on what was left out or failed.</summary>
public sealed class LoraReport
{
    internal LoraReport(string title, IReadOnlyList<ReportSection> sections, IReadOnlyList<string> notes)
    {
        Title = title;
        Sections = sections;
        Notes = notes;
    }

    public string Title { get; }

    public IReadOnlyList<ReportSection> Sections { get; }

    /// <summary>What the reader should know about the data behind the charts (modules that failed, what was truncated).</summary>
    public IReadOnlyList<string> Notes { get; }

    public int ChartCount
    {
        get
        {
            int n = 0;
            foreach (var s in Sections) n += s.Charts.Count;
            return n;
        }
    }
}

/// <summary>One topic of the report (spectra, similarity, ...): a short text, its charts and tables.</summary>
public sealed class ReportSection
{
    internal ReportSection(string id, string heading, string text, IReadOnlyList<ReportChart> charts, IReadOnlyList<ReportTable> tables)
    {
        Id = id;
        Heading = heading;
        Text = text;
        Charts = charts;
        Tables = tables;
    }

    /// <summary>The HTML anchor of the section (report.html#spectra).</summary>
    public string Id { get; }

    public string Heading { get; }

    public string Text { get; }

    public IReadOnlyList<ReportChart> Charts { get; }

    public IReadOnlyList<ReportTable> Tables { get; }
}

/// <summary>A chart: an OxyPlot model rendered to inline SVG at a fixed size, with a caption.</summary>
public sealed class ReportChart
{
    internal ReportChart(PlotModel model, string caption, int width, int height)
    {
        Model = model;
        Caption = caption;
        Width = width;
        Height = height;
    }

    public string Title => Model.Title ?? string.Empty;

    public string Caption { get; }

    public int Width { get; }

    public int Height { get; }

    internal PlotModel Model { get; }
}

/// <summary>A small table of already formatted cells.</summary>
public sealed class ReportTable
{
    internal ReportTable(string caption, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        Caption = caption;
        Headers = headers;
        Rows = rows;
    }

    public string Caption { get; }

    public IReadOnlyList<string> Headers { get; }

    public IReadOnlyList<IReadOnlyList<string>> Rows { get; }
}
