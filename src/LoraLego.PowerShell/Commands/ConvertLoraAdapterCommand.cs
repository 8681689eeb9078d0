using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats;
using LoraLego.PowerShell.Infrastructure;

namespace LoraLego.PowerShell.Commands;

/// <summary>
/// Writes one adapter again in another format (PEFT, kohya, diffusers) and/or dtype: the same deltas,
/// module for module, named as the target's consumer names them. Where the target can state the
/// source's alpha, the factors are copied unchanged (a conversion there and back is lossless in F32).
/// </summary>
[Cmdlet(VerbsData.Convert, "LoraAdapter", SupportsShouldProcess = true, DefaultParameterSetName = AdapterSet)]
[OutputType(typeof(LoraAdapter))]
public sealed class ConvertLoraAdapterCommand : LoraCmdletBase
{
    private const string AdapterSet = "Adapter";
    private const string PathSet = "Path";
    private int _converted;

    /// <summary>The adapter to convert (from Get-LoraAdapter).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = AdapterSet)]
    [ValidateNotNull]
    public LoraAdapter Adapter { get; set; } = null!;

    /// <summary>The adapter to convert, as a folder or file (loaded as Get-LoraAdapter loads it).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    /// <summary>The output: a folder (PEFT) or a .safetensors file (kohya, diffusers).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = null!;

    /// <summary>The output format; by default the source's.</summary>
    [Parameter]
    public OutputFormat Format { get; set; }

    /// <summary>The output dtype; by default the source's (F32 when its factors differ).</summary>
    [Parameter]
    public OutputDType DType { get; set; }

    /// <summary>Write only this pipeline component's modules (a PEFT folder holds one component).</summary>
    [Parameter]
    [ValidateSet(ModelComponent.Unet, ModelComponent.TextEncoder, ModelComponent.TextEncoder2, ModelComponent.Transformer)]
    public string? Component { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var adapter = ParameterSetName == PathSet ? Load() : Adapter;
        if (adapter is null) return;
        var target = PathResolver.ResolveOutput(this, Destination);
        if (_converted++ > 0)
        {
            // A second adapter for the same destination would replace the first: refuse, say how to convert many.
            WriteError(ErrorRecords.Create("ConvertOneAdapter", ErrorCategory.InvalidArgument, adapter.Path,
                $"'{adapter.Name}' was not converted: Convert-LoraAdapter writes one adapter to '{Destination}', and another was already converted there. " +
                "Convert each to its own destination, e.g. ... | ForEach-Object { Convert-LoraAdapter $_ (Join-Path $out $_.Name) -Format Kohya }."));
            return;
        }

        try
        {
            Convert(adapter, target);
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

    private void Convert(LoraAdapter adapter, string target)
    {
        var format = MyInvocation.BoundParameters.ContainsKey(nameof(Format)) ? OutputFormats.ToAdapterFormat(Format) : adapter.Format;
        var options = new AdapterWriteOptions
        {
            Format = format,
            Component = Component,
            DType = OutputFormats.ChooseDType(MyInvocation.BoundParameters.ContainsKey(nameof(DType)) ? DType : null, new[] { adapter }),
            Overwrite = Force,
        };

        var what = $"{adapter.ModuleCount} modules of '{adapter.Name}' ({adapter.Format}) as {format}, {options.DType}";
        if (!ShouldProcess(target, $"Write converted LoRA adapter ({what})")) return;

        options.ExtraTensors = ChooseExtraTensors(adapter, format);
        options.Provenance = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["converted_from"] = adapter.Name,
            ["source_format"] = adapter.Format.ToString(),
            ["source_sha256"] = adapter.ComputeSha256(StopToken),
        };
        var progress = new ProgressRecord(0x10A2, "Converting LoRA adapter", target);
        int done = 0;
        var written = AdapterConverter.Convert(adapter, target, options, m =>
        {
            progress.StatusDescription = $"{++done} of {adapter.ModuleCount}: {m.Name}";
            progress.PercentComplete = (int)(100L * done / Math.Max(1, adapter.ModuleCount));
            WriteProgress(progress);
        }, StopToken);
        WriteVerbose($"Wrote {written}.");
        if (PassThru) WriteObject(AdapterLoader.Load(written));
    }

    /// <summary>Heads and other non-LoRA tensors only mean something to PEFT (modules_to_save): kept there, dropped with a warning elsewhere.</summary>
    private IReadOnlyList<ExtraTensor> ChooseExtraTensors(LoraAdapter adapter, AdapterFormat format)
    {
        if (adapter.ExtraTensors.Count == 0) return Array.Empty<ExtraTensor>();
        if (format == AdapterFormat.Peft && adapter.Format == AdapterFormat.Peft) return adapter.ExtraTensors;
        WriteWarning($"Leaving out {adapter.ExtraTensors.Count} tensor(s) of '{adapter.Name}' that are not LoRA factors and that {format} consumers do not load: {string.Join(", ", adapter.ExtraTensors.Select(e => e.Name))}.");
        return Array.Empty<ExtraTensor>();
    }

    private LoraAdapter? Load()
    {
        var resolved = PathResolver.ResolveExisting(this, Path, literal: false).ToList();
        if (resolved.Count == 0) return null;
        if (resolved.Count > 1)
        {
            WriteError(ErrorRecords.Create("ConvertOneAdapter", ErrorCategory.InvalidArgument, Path,
                $"'{Path}' matches {resolved.Count} paths; Convert-LoraAdapter converts one adapter per destination. Name one, or pipe Get-LoraAdapter into ForEach-Object."));
            return null;
        }

        try
        {
            return AdapterLoader.Load(resolved[0]);
        }
        catch (LoraLegoException e)
        {
            WriteError(new ErrorRecord(e, e.ErrorId, ErrorRecords.Map(e.Category), resolved[0]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(ErrorRecords.Create("AdapterReadFailed", ErrorCategory.ReadError, resolved[0], $"Cannot read {resolved[0]}: {e.Message}", e));
        }

        return null;
    }
}
