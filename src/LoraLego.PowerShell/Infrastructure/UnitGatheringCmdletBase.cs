using System;
using System.Collections.Generic;
using System.Management.Automation;
using LoraLego.Diagnostics;
using LoraLego.Pipeline;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>
/// A cmdlet that takes units from the pipeline and works on whole modules at the end: a module's
/// pool is complete only once every adapter's units have arrived. A unit that does not fit its
/// module's pool (another shape) is reported and left out; the others go on.
/// </summary>
public abstract class UnitGatheringCmdletBase : LoraCmdletBase
{
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

    protected UnitCollector Units { get; } = new();

    /// <summary>How many (module, adapter) pairs had units refused.</summary>
    protected int RefusedCount => _refused.Count;

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public LoraUnit[] Unit { get; set; } = null!;

    /// <summary>Worker threads (modules processed at once); 0 means one per core.</summary>
    [Parameter]
    [ValidateRange(0, 256)]
    public int ThrottleLimit { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var unit in Unit)
        {
            try
            {
                Units.Add(unit);
            }
            catch (LoraLegoException e)
            {
                // One error per refused module and adapter, not one per unit; a whole adapter refused (another model family): one error.
                var module = e.ErrorId == Adapters.AdapterErrorIds.ModelFamilyMismatch ? string.Empty : unit.Module;
                if (_refused.Add(e.ErrorId + "|" + module + "|" + unit.Adapter)) WriteEngineError(e, unit);
            }
        }
    }
}
