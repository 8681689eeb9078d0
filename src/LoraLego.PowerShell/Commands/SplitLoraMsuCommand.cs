using System.Linq;
using System.Management.Automation;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Pipeline;
using LoraLego.PowerShell.Infrastructure;

namespace LoraLego.PowerShell.Commands;

/// <summary>Splits adapters into their Minimal Semantic Units: one object per rank of every module.</summary>
[Cmdlet(VerbsCommon.Split, "LoraMsu")]
[OutputType(typeof(LoraUnit))]
public sealed class SplitLoraMsuCommand : ModuleSelectingCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public LoraAdapter[] Adapter { get; set; } = null!;



    /// <summary>Multiplies every unit's scale (the adapter's weight in a merge).</summary>
    [Parameter]
    [ValidateRange(-1000.0, 1000.0)]
    public double Weight { get; set; } = 1.0;

    protected override void ProcessRecord()
    {
        var selected = SelectedModules();
        foreach (var adapter in Adapter)
        {
            if (adapter.IsDora)
            {
                // Name the first magnitude tensor, so the user sees which module made it DoRA (none when only use_dora says so).
                var magnitude = adapter.ExtraTensors.Select(e => e.Name).FirstOrDefault(n => n.EndsWith(".dora_scale", System.StringComparison.Ordinal)
                    || n.Contains(".lora_magnitude_vector"));
                var where = magnitude is null ? string.Empty : $" (tensor {magnitude})";
                WriteEngineError(new LoraLegoException("DoraNotSplittable", LoraErrorCategory.NotImplemented, adapter.Path,
                    $"Adapter '{adapter.Name}' ({adapter.Path}) is a DoRA adapter{where}: DoRA rescales each column of W + B·A by a magnitude "
                    + "that needs the base weights, so its delta is not linear in B·A and cannot be split into rank-wise units."));
                continue;
            }

            foreach (var module in adapter.Modules)
            {
                if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (!selected(module.Name)) continue;
                for (int i = 0; i < module.Rank; i++) WriteObject(new LoraUnit(module, i, Weight));
            }
        }
    }
}
