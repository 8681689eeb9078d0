using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Merging;
using LoraLego.Reporting;
using LoraLego.Tests.Formats;
using LoraLego.Tests.Pipeline;
using LoraLego.Units;
using MathNet.Numerics.LinearAlgebra;
using Xunit;

namespace LoraLego.Tests.Reporting;

/// <summary>
/// Export-LoraReport's engine: the two seams against dense MathNet computations, and the HTML
/// from the committed sample adapters (self-contained, every chart a drawn SVG, same bytes on
/// every run and in every culture, written through a temporary file).
/// </summary>
public sealed class ReportTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly List<LoraAdapter> _samples;

    public ReportTests()
    {
        _samples = new[] { "task-a", "task-b", "task-c" }.Select(n => AdapterLoader.Load(Path.Combine(SamplesRoot(), "adapters", n))).ToList();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SpectrumSeam_OfSeveralBlocks_IsTheDenseSumsSingularValues()
    {
        var rng = new Random(7);
        var blocks = new[] { RandomBlock(rng, 3, 20, 13), RandomBlock(rng, 5, 20, 13) };
        var dense = Dense.Delta(blocks[0]) + Dense.Delta(blocks[1]);
        var expected = dense.Svd(false).S.ToArray().Take(8).ToArray();
        var actual = SpectrumSeam.OfSum(blocks);
        Assert.Equal(8, actual.Length);
        for (int i = 0; i < 8; i++) Assert.Equal(expected[i], actual[i], 1e-9 * expected[0]);
    }

    [Fact]
    public void SpectrumSeam_OfAModule_IsItsDenseDeltasSingularValues()
    {
        var module = _samples[1].GetModule("mlp.fc2")!;
        var expected = Dense.Delta(module).Svd(false).S.ToArray();
        var actual = SpectrumSeam.Of(module);
        Assert.Equal(module.Rank, actual.Length);
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected[i], actual[i], 1e-9 * expected[0]);
    }

    [Fact]
    public void SimilaritySeam_Inner_IsTheDenseFrobeniusInnerProduct()
    {
        var rng = new Random(11);
        var x = RandomBlock(rng, 4, 17, 9);
        var y = RandomBlock(rng, 6, 17, 9);
        double expected = Dense.Delta(x).PointwiseMultiply(Dense.Delta(y)).Enumerate().Sum();
        Assert.Equal(expected, SimilaritySeam.Inner(x, y), 1e-9 * Math.Abs(expected));
        Assert.Equal(Math.Pow(Dense.Frobenius(Dense.Delta(x)), 2), SimilaritySeam.Inner(x, x), 1e-9);
    }

    [Fact]
    public void Report_FromSamples_HasEveryChartAsDrawnInlineSvgAndNothingFetched()
    {
        var report = ReportBuilder.Build(SampleInputs());
        var html = HtmlReportWriter.Render(report);

        Assert.Equal(new[] { "layers", "spectra", "retention", "similarity", "clusters" }, report.Sections.Select(s => s.Id));
        Assert.DoesNotMatch(new Regex(@"<script", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=\s*[""']?\s*(https?:)?//", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex(@"<link\b|@import|url\(\s*['""]?(https?:|//)", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("id=\"clipPath", html); // every exporter id got its chart's prefix

        var figures = Regex.Matches(html, "<figure class=\"chart\">(.*?)</figure>", RegexOptions.Singleline).Cast<Match>().Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(report.ChartCount, figures.Count);
        Assert.Equal(10, report.ChartCount); // layers 2, spectra 3 (one per module), retention 2, similarity 1, clusters 2
        foreach (var figure in figures)
        {
            Assert.StartsWith("\n<svg viewBox=", figure);
            Assert.EndsWith("</svg>", figure.Substring(0, figure.IndexOf("</svg>", StringComparison.Ordinal) + 6));
            // Drawn content: series lines, bars or heatmap cells, and axis labels, not an empty frame.
            int shapes = Regex.Matches(figure, "<(polyline|polygon|rect|ellipse)\\b").Count;
            int labels = Regex.Matches(figure, "<text\\b").Count;
            Assert.True(shapes >= 10 && labels >= 5, $"a chart with {shapes} shapes and {labels} labels");
        }

        // The ids of all charts are distinct in the one document (url(#id) takes the first match).
        var ids = Regex.Matches(html, "\\bid=\"([^\"]+)\"").Cast<Match>().Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        foreach (Match reference in Regex.Matches(html, "url\\(#([^)]+)\\)")) Assert.Contains(reference.Groups[1].Value, ids);

        // Each source's palette colour is drawn (in the spectra, retention and cluster charts).
        for (int i = 0; i < 3; i++)
        {
            var c = ChartStyle.Colour(i);
            Assert.Contains($"rgb({c.R},{c.G},{c.B})", html);
        }
    }

    [Fact]
    public void Report_SimilarityTable_IsTheDenseCosineOfTheWholeDeltas()
    {
        var report = ReportBuilder.Build(SampleInputs());
        var table = report.Sections.Single(s => s.Id == "similarity").Tables.Single();
        double Cosine(LoraAdapter x, LoraAdapter y)
        {
            double inner = 0, xx = 0, yy = 0;
            foreach (var m in x.Modules)
            {
                var dx = Dense.Delta(m);
                var dy = Dense.Delta(y.GetModule(m.Name)!);
                inner += dx.PointwiseMultiply(dy).Enumerate().Sum();
                xx += Math.Pow(Dense.Frobenius(dx), 2);
                yy += Math.Pow(Dense.Frobenius(dy), 2);
            }

            return inner / Math.Sqrt(xx * yy);
        }

        Assert.Equal(new[] { "adapter", "task-a", "task-b", "task-c", "concat" }, table.Headers);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(Cosine(_samples[i], _samples[j]).ToString("0.000", CultureInfo.InvariantCulture), table.Rows[i][j + 1]);
            }
        }
    }

    [Fact]
    public void Report_RetentionTable_IsMeasureLoraMergesSummary()
    {
        var inputs = SampleInputs();
        var report = ReportBuilder.Build(inputs);
        var row = report.Sections.Single(s => s.Id == "retention").Tables.Single().Rows.Single();
        var concat = inputs.Merged.Single();
        var modules = LoraLego.Pipeline.MeasureStage.ModuleNames(concat, _samples)
            .Select(m => LoraLego.Pipeline.MeasureStage.Measure(concat, _samples, new[] { 1.0, 1.0, 1.0 }, m, CancellationToken.None)).ToList();
        var summary = LoraLego.Pipeline.MeasureStage.Summarize(concat.Name, modules, _samples);
        Assert.Equal("concat", row[0]);
        Assert.Equal("0.0000", row[2]); // a concatenation is the exact sum
        Assert.Equal("100.0 %", row[3]);
        for (int i = 0; i < 3; i++)
        {
            var s = summary.Sources[i];
            Assert.Equal($"{s.Retention.ToString("0.000", CultureInfo.InvariantCulture)} / {s.Cosine.ToString("0.000", CultureInfo.InvariantCulture)}", row[5 + i]);
        }
    }

    [Fact]
    public void Html_IsTheSameBytesOnEveryBuildAndInEveryCulture()
    {
        string first = HtmlReportWriter.Render(ReportBuilder.Build(SampleInputs()));
        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            string second = HtmlReportWriter.Render(ReportBuilder.Build(SampleInputs()));
            Assert.Equal(first, second);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        Assert.DoesNotContain(DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), first);
    }

    [Fact]
    public void Write_RefusesAnExistingFileWithoutOverwrite_AndLeavesNoTemporaryFile()
    {
        var report = ReportBuilder.Build(new ReportInputs { Adapters = { _samples[0] } });
        var path = _temp.Combine("report.html");
        HtmlReportWriter.Write(report, path, overwrite: false);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(HtmlReportWriter.Render(report), new System.Text.UTF8Encoding(false).GetString(bytes));

        var e = Assert.Throws<LoraLegoException>(() => HtmlReportWriter.Write(report, path, overwrite: false));
        Assert.Equal(AdapterErrorIds.OutputExists, e.ErrorId);
        Assert.Contains(path, e.Message);
        HtmlReportWriter.Write(ReportBuilder.Build(new ReportInputs { Title = "Other", Adapters = { _samples[1] } }), path, overwrite: true);
        Assert.NotEqual(bytes, File.ReadAllBytes(path));
        Assert.Equal(new[] { "report.html" }, Directory.GetFileSystemEntries(_temp.Path).Select(Path.GetFileName));

        var wrong = Assert.Throws<LoraLegoException>(() => HtmlReportWriter.Write(report, _temp.Combine("report.txt"), overwrite: false));
        Assert.Equal(ReportErrorIds.ReportPathInvalid, wrong.ErrorId);
    }

    [Fact]
    public void Build_RefusesNoInput_MergesWithoutSources_AndUnitsThatAreNotCentroids()
    {
        Assert.Equal(ReportErrorIds.ReportInputMissing, Assert.Throws<LoraLegoException>(() => ReportBuilder.Build(new ReportInputs())).ErrorId);
        Assert.Equal(ReportErrorIds.ReportSourceMissing, Assert.Throws<LoraLegoException>(() => ReportBuilder.Build(new ReportInputs { Merged = { _samples[0] } })).ErrorId);
        var unit = PipelineHarness.Split(new[] { _samples[0] }).First();
        Assert.Equal(ReportErrorIds.ReportNotACentroid, Assert.Throws<LoraLegoException>(() => ReportBuilder.Build(new ReportInputs { Centroids = { unit } })).ErrorId);
    }

    [Fact]
    public void Build_ManyModules_ChartsOnlyTheTopModulesAndSaysSo()
    {
        var report = ReportBuilder.Build(new ReportInputs { Adapters = { _samples[0], _samples[1] }, TopModules = 2 });
        var spectra = report.Sections.Single(s => s.Id == "spectra");
        Assert.Equal(2, spectra.Charts.Count);
        Assert.Contains("The 2 of 3 modules with the largest deltas", spectra.Text);
        // The two modules with the largest ‖ΔW‖ of either adapter, in name order.
        var expected = _samples[0].Modules.Select(m => (m.Name, Norm: Math.Max(m.DeltaNorm, _samples[1].GetModule(m.Name)!.DeltaNorm)))
            .OrderByDescending(m => m.Norm).Take(2).Select(m => m.Name).OrderBy(n => n, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, spectra.Charts.Select(c => c.Title));
    }

    [Fact]
    public void Build_ModuleOfAnotherShape_IsReportedNotedAndLeftOut_TheRestIsDrawn()
    {
        // Two sources whose model.q_proj differ in width (a user mixing base models), one shared v_proj.
        var a = AdapterLoader.Load(TestFiles.WritePeft(_temp.Combine("a"), TestFiles.PeftConfig(2, 4),
            TestFiles.PeftLinear("model.q_proj", 2, 8, 6, 1).Concat(TestFiles.PeftLinear("model.v_proj", 2, 8, 6, 2))));
        var b = AdapterLoader.Load(TestFiles.WritePeft(_temp.Combine("b"), TestFiles.PeftConfig(2, 4),
            TestFiles.PeftLinear("model.q_proj", 2, 5, 6, 3).Concat(TestFiles.PeftLinear("model.v_proj", 2, 8, 6, 4))));
        var errors = new List<LoraLegoException>();
        var inputs = new ReportInputs { Merged = { a }, Sources = { a, b } };
        var report = ReportBuilder.Build(inputs, onError: errors.Add);

        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Equal("ModuleShapeMismatch", e.ErrorId));
        Assert.All(errors, e => Assert.Contains("model.q_proj", e.Message));
        Assert.Contains(report.Notes, n => n.Contains("model.q_proj") && n.Contains("left out of the retention of a"));
        var perModule = report.Sections.Single(s => s.Id == "retention").Charts[1];
        Assert.Equal("Retention per module: a", perModule.Title);
        Assert.Contains("<h2>Notes</h2>", HtmlReportWriter.Render(report));
        // v_proj is still measured and drawn; q_proj is not.
        Assert.Equal(new[] { "model.v_proj" }, ((OxyPlot.Axes.CategoryAxis)perModule.Model.Axes[0]).Labels);
    }

    private ReportInputs SampleInputs()
    {
        // The exact sum of the three samples (Concat) and LoRA-LEGO centroids of their units.
        var units = PipelineHarness.Split(_samples);
        var folder = _temp.Combine("concat");
        var concat = Directory.Exists(folder) ? AdapterLoader.Load(folder) : PipelineHarness.Merge(units, folder);
        var inputs = new ReportInputs { Title = "Samples" };
        foreach (var s in _samples) inputs.Sources.Add(s);
        inputs.Merged.Add(concat);
        foreach (var c in PipelineHarness.Cluster(units, new MergeOptions { Rank = 4, Seed = 1 })) inputs.Centroids.Add(c);
        return inputs;
    }

    private static UnitBlock RandomBlock(Random rng, int rank, int outFeatures, int inFeatures)
    {
        var a = Enumerable.Range(0, rank * inFeatures).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        var bt = Enumerable.Range(0, rank * outFeatures).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
        var scale = Enumerable.Range(0, rank).Select(i => 0.5 + i).ToArray();
        return new UnitBlock(inFeatures, outFeatures, a, bt, scale);
    }

    private static string SamplesRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LoraLego.sln"))) return Path.Combine(dir.FullName, "samples");
        }

        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }
}
