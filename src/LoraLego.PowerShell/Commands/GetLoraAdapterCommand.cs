using System;
using System.IO;
using System.Management.Automation;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.PowerShell.Infrastructure;

namespace LoraLego.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Loads LoRA adapters (PEFT folders, kohya and diffusers .safetensors files) and shows their modules, ranks and alphas.</para>
/// <para type="description">Each path is a PEFT folder (adapter_config.json + adapter_model.safetensors), a folder holding one adapter file, or a .safetensors file; the format is recognised from the tensor keys. One LoraAdapter is written per adapter as soon as it is loaded; an adapter that cannot be read is reported as a non-terminating error and the other paths still load. Only headers are read: tensor data is read later, by the commands that need it.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "LoraAdapter", DefaultParameterSetName = PathSet)]
[OutputType(typeof(LoraAdapter))]
public sealed class GetLoraAdapterCommand : LoraCmdletBase
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    /// <summary><para type="description">Adapter folders or files. Wildcards are resolved.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary><para type="description">Adapter folders or files, used exactly as typed (no wildcards). Get-ChildItem output binds here through PSPath.</para></summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("PSPath", "LP")]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary><para type="description">Name to give the adapter instead of its folder or file name (shown in tables and written into merge provenance).</para></summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (var input in literal ? LiteralPath : Path)
        {
            foreach (var resolved in PathResolver.ResolveExisting(this, input, literal))
            {
                if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                Load(resolved);
            }
        }
    }

    private void Load(string path)
    {
        LoraAdapter adapter;
        try
        {
            WriteVerbose($"Loading adapter {path}");
            adapter = AdapterLoader.Load(path, Name);
        }
        catch (LoraLegoException e)
        {
            // Target is the input as resolved (not the inner file the engine names), so scripts can tell which input failed.
            WriteError(new ErrorRecord(e, e.ErrorId, ErrorRecords.Map(e.Category), path));
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(ErrorRecords.Create("AdapterReadFailed", ErrorCategory.ReadError, path, $"Cannot read {path}: {e.Message}", e));
            return;
        }

        WriteObject(adapter);
    }
}
