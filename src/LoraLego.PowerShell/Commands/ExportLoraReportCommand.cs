using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Pipeline;
using LoraLego.PowerShell.Infrastructure;
using LoraLego.Reporting;

namespace LoraLego.PowerShell.Commands;

/// <summary>
/// Writes one self-contained HTML report (inline SVG charts, no scripts, nothing fetched): singular
/// spectra per module, rank and norm by layer, the pool's similarity, per-source retention of
/// merges and cluster membership by source. Adapters and centroids come from the pipeline or
/// from -Adapter / -Centroid; merges from -Merged with their -Source.
/// </summary>
[Cmdlet(VerbsData.Export, "LoraReport", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportLoraReportCommand : LoraCmdletBase
{
    private readonly ReportInputs _inputs = new();

    /// <summary>The .html file to write.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>Adapters to chart on their own (spectra, rank and norm by layer, similarity).</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public LoraAdapter[]? Adapter { get; set; }

    /// <summary>Merged or resized adapters, measured against -Source.</summary>
    [Parameter]
    [ValidateNotNull]
    public LoraAdapter[]? Merged { get; set; }

    /// <summary>The adapters the merges were made from.</summary>
    [Parameter]
    [ValidateNotNull]
    public LoraAdapter[]? Source { get; set; }

    /// <summary>Weights of the sources as given to Split-LoraMsu -Weight; one per source, default 1.</summary>
    [Parameter]
    public double[]? Weight { get; set; }

    /// <summary>Cluster centroids from Invoke-LoraCluster.</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNull]
    public LoraUnit[]? Centroid { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Title { get; set; } = "LoRA report";

    /// <summary>Modules that get a chart of their own (the ones with the largest deltas).</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int TopModules { get; set; } = new ReportInputs().TopModules;

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var adapter in Adapter ?? Array.Empty<LoraAdapter>()) _inputs.Adapters.Add(adapter);
        foreach (var unit in Centroid ?? Array.Empty<LoraUnit>())
        {
            if (unit.IsCentroid)
            {
                _inputs.Centroids.Add(unit);
                continue;
            }

            WriteError(ErrorRecords.Create(ReportErrorIds.ReportNotACentroid, ErrorCategory.InvalidArgument, unit,
                $"Unit '{unit}' is not a cluster centroid (it came from {unit.Method}, not Invoke-LoraCluster); it is left out of the report. Pass the output of Invoke-LoraCluster."));
        }

        // Pipeline input binds to -Adapter and -Centroid afresh for each object; parameters given once stay set.
        Adapter = null;
        Centroid = null;
    }

    protected override void EndProcessing()
    {
        foreach (var m in Merged ?? Array.Empty<LoraAdapter>()) _inputs.Merged.Add(m);
        foreach (var s in Source ?? Array.Empty<LoraAdapter>()) _inputs.Sources.Add(s);
        if (Weight is not null)
        {
            if (Weight.Length != _inputs.Sources.Count)
            {
                ThrowTerminatingError(ErrorRecords.Create("WeightCountMismatch", ErrorCategory.InvalidArgument, Weight,
                    $"-Weight has {Weight.Length} values for {_inputs.Sources.Count} sources; give one weight per source."));
            }

            foreach (var w in Weight) _inputs.Weights.Add(w);
        }

        _inputs.Title = Title;
        _inputs.TopModules = TopModules;
        var target = PathResolver.ResolveOutput(this, Path);
        try
        {
            HtmlReportWriter.CheckTarget(target, Force);
            var what = $"{_inputs.Adapters.Count + _inputs.Sources.Count + _inputs.Merged.Count} adapter(s), {_inputs.Centroids.Count} centroid(s)";
            if (!ShouldProcess(target, $"Write LoRA report ({what})")) return;

            var errors = new List<LoraLegoException>();
            var progress = new ProgressRecord(0x10a7, "Export-LoraReport", "Starting");
            var report = ReportBuilder.Build(_inputs, new ImmediateProgress(status =>
            {
                progress.StatusDescription = status;
                WriteProgress(progress);
            }), errors.Add, StopToken);
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
            foreach (var e in errors) WriteEngineError(e);
            HtmlReportWriter.Write(report, target, Force);
            // Through the provider, so the FileInfo carries PowerShell's file-system notes (Mode, the Length column).
            if (PassThru) WriteObject(InvokeProvider.Item.Get(new[] { target }, false, true), enumerateCollection: true);
        }
        catch (LoraLegoException e)
        {
            WriteEngineError(e, target);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// IProgress that reports on the calling thread. The report is built on the pipeline thread,
    /// where WriteProgress is allowed; Progress&lt;T&gt; would post to another thread.
    /// </summary>
    private sealed class ImmediateProgress : IProgress<string>
    {
        private readonly Action<string> _report;

        public ImmediateProgress(Action<string> report) => _report = report;

        public void Report(string value) => _report(value);
    }
}
