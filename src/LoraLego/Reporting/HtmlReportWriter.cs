using System;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

namespace LoraLego.Reporting;

/// <summary>
/// Writes a <see cref="LoraReport"/> as one self-contained HTML file: inline CSS, every chart an
/// inline &lt;svg&gt;, no scripts and nothing fetched, so it opens offline and can be mailed as is.
/// The bytes depend only on the report (no clock, no culture, \n line ends).
/// </summary>
public static class HtmlReportWriter
{
    private const string Css = @"
:root { --ink: #333; --muted: #6b6b6b; --rule: #e3e3e3; --accent: #4e79a7; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f6f8; color: var(--ink); font: 14px/1.5 Arial, 'Liberation Sans', Helvetica, sans-serif; }
header { background: #fff; border-bottom: 1px solid var(--rule); padding: 20px 32px 12px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0 0 8px; color: var(--muted); }
nav a { display: inline-block; margin: 0 14px 4px 0; color: var(--accent); text-decoration: none; font-weight: bold; }
main { max-width: 1240px; margin: 0 auto; padding: 8px 20px 32px; }
section { background: #fff; border: 1px solid var(--rule); border-radius: 6px; margin: 18px 0; padding: 14px 18px 6px; }
section h2 { margin: 0 0 6px; font-size: 19px; }
section > p { margin: 0 0 10px; max-width: 980px; color: #444; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 16px; }
figure { margin: 0 0 10px; flex: 0 1 auto; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; max-width: 550px; padding: 2px 4px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 13px; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f2f5; }
.notes { color: #8a5300; background: #fff8e6; border-color: #f0d9a8; }
.notes li { margin: 2px 0; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 24px; }
";

    /// <summary>The whole document as a string.</summary>
    public static string Render(LoraReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<meta name=\"generator\" content=\"LoraLego ").Append(Encode(Version())).Append("\">\n");
        html.Append("<title>").Append(Encode(report.Title)).Append("</title>\n<style>").Append(Css.Replace("\r\n", "\n")).Append("</style>\n</head>\n<body>\n");
        html.Append("<header>\n<h1>").Append(Encode(report.Title)).Append("</h1>\n<p>")
            .Append(report.ChartCount.ToString(CultureInfo.InvariantCulture)).Append(" charts from the adapters' factors (no base model needed).</p>\n<nav>");
        foreach (var section in report.Sections)
        {
            html.Append("<a href=\"#").Append(Encode(section.Id)).Append("\">").Append(Encode(section.Heading)).Append("</a>");
        }

        html.Append("</nav>\n</header>\n<main>\n");
        if (report.Notes.Count > 0)
        {
            html.Append("<section class=\"notes\" id=\"notes\">\n<h2>Notes</h2>\n<ul>\n");
            foreach (var note in report.Notes) html.Append("<li>").Append(Encode(note)).Append("</li>\n");
            html.Append("</ul>\n</section>\n");
        }

        int chartNumber = 0;
        foreach (var section in report.Sections)
        {
            html.Append("<section id=\"").Append(Encode(section.Id)).Append("\">\n<h2>").Append(Encode(section.Heading)).Append("</h2>\n");
            if (section.Text.Length > 0) html.Append("<p>").Append(Encode(section.Text)).Append("</p>\n");
            if (section.Charts.Count > 0)
            {
                html.Append("<div class=\"charts\">\n");
                foreach (var chart in section.Charts)
                {
                    chartNumber++;
                    html.Append("<figure class=\"chart\">\n")
                        .Append(SvgChart.Render(chart, "c" + chartNumber.ToString(CultureInfo.InvariantCulture) + "-").Replace("\r\n", "\n"))
                        .Append('\n');
                    if (chart.Caption.Length > 0) html.Append("<figcaption>").Append(Encode(chart.Caption)).Append("</figcaption>\n");
                    html.Append("</figure>\n");
                }

                html.Append("</div>\n");
            }

            foreach (var table in section.Tables) AppendTable(html, table);
            html.Append("</section>\n");
        }

        html.Append("</main>\n<footer>Written by Export-LoraReport (LoraLego ").Append(Encode(Version())).Append(").</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>
    /// Writes the report to <paramref name="path"/> through a temporary file beside it, renamed into
    /// place, so a reader never sees half a report. An existing file is replaced only with
    /// <paramref name="overwrite"/>.
    /// </summary>
    public static void Write(LoraReport report, string path, bool overwrite)
    {
        CheckTarget(path, overwrite);
        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(Render(report));
        var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var temp = Path.Combine(folder, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(temp, bytes);
            if (File.Exists(path))
            {
                if (!overwrite) throw Exists(path, "appeared while the report was being written");
                File.Replace(temp, path, destinationBackupFileName: null);
            }
            else
            {
                File.Move(temp, path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LoraLegoException(AdapterErrorIds.OutputWriteFailed, LoraErrorCategory.WriteError, path, $"Cannot write the report to {path}: {e.Message}", e);
        }
        finally
        {
            try
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The temporary name is hidden and unique; a leftover never shadows a report.
            }
        }
    }

    /// <summary>Refuses a folder, and an existing file without <paramref name="overwrite"/>; run before the (slow) build.</summary>
    public static void CheckTarget(string path, bool overwrite)
    {
        if (Directory.Exists(path))
        {
            throw new LoraLegoException(ReportErrorIds.ReportPathInvalid, LoraErrorCategory.InvalidArgument, path, $"{path} is a folder; give the path of the .html file to write.");
        }

        var extension = Path.GetExtension(path);
        if (!string.Equals(extension, ".html", StringComparison.OrdinalIgnoreCase) && !string.Equals(extension, ".htm", StringComparison.OrdinalIgnoreCase))
        {
            throw new LoraLegoException(ReportErrorIds.ReportPathInvalid, LoraErrorCategory.InvalidArgument, path, $"{path} does not end in .html or .htm; the report is an HTML file, name it so a browser opens it.");
        }

        if (File.Exists(path) && !overwrite) throw Exists(path, "already exists");
    }

    private static LoraLegoException Exists(string path, string what) =>
        new(AdapterErrorIds.OutputExists, LoraErrorCategory.ResourceExists, path, $"{path} {what}; pass -Force to replace it.");

    private static void AppendTable(StringBuilder html, ReportTable table)
    {
        html.Append("<table>\n");
        if (table.Caption.Length > 0) html.Append("<caption>").Append(Encode(table.Caption)).Append("</caption>\n");
        html.Append("<thead><tr>");
        foreach (var h in table.Headers) html.Append("<th>").Append(Encode(h)).Append("</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in table.Rows)
        {
            html.Append("<tr>");
            foreach (var cell in row) html.Append("<td>").Append(Encode(cell)).Append("</td>");
            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Version() =>
        typeof(HtmlReportWriter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
