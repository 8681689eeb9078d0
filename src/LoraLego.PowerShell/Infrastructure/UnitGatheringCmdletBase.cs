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
    protected UnitCollector Units { get; } = new();

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
                WriteEngineError(e, unit);
            }
        }
    }
}
