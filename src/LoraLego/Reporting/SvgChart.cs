using System;
using System.Globalization;
using System.Net;
using OxyPlot;

namespace LoraLego.Reporting;

/// <summary>
/// Renders a chart to an inline &lt;svg&gt; element with OxyPlot's SvgExporter. Several charts share
/// one HTML document, so the exporter's clip-path ids (clipPath1, clipPath2, ... in every chart) get
/// a per-chart prefix: url(#id) resolves to the first element of that id in the whole document.
/// </summary>
internal static class SvgChart
{
    public static string Render(ReportChart chart, string idPrefix)
    {
        var exporter = new SvgExporter { Width = chart.Width, Height = chart.Height, IsDocument = false, TextMeasurer = new PixelTextMeasurer(chart.Width, chart.Height) };
        string svg = exporter.ExportToString(chart.Model);
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        if (start < 0) throw new InvalidOperationException($"OxyPlot gave no <svg> element for chart '{chart.Title}'.");
        svg = svg.Substring(start).TrimEnd();

        svg = svg.Replace("id=\"clipPath", "id=\"" + idPrefix + "clip")
                 .Replace("url(#clipPath", "url(#" + idPrefix + "clip");
        string w = chart.Width.ToString(CultureInfo.InvariantCulture), h = chart.Height.ToString(CultureInfo.InvariantCulture);
        string head = $"<svg width=\"{w}\" height=\"{h}\"";
        if (!svg.StartsWith(head, StringComparison.Ordinal)) throw new InvalidOperationException($"Unexpected SVG header from OxyPlot for chart '{chart.Title}'.");
        return $"<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(chart.Title)}\""
            + svg.Substring(head.Length);
    }
}
