using System.Linq;
using System.Management.Automation;
using LoraLego.Adapters;
using LoraLego.Analysis;
using LoraLego.PowerShell.Infrastructure;

namespace LoraLego.PowerShell.Commands;

/// <summary>
/// The spectrum of every module of an adapter, from the factors: singular values, effective rank,
/// stable rank and the top direction's share of the energy. One ModuleSpectrum per module.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "LoraAdapter")]
[OutputType(typeof(ModuleSpectrum))]
public sealed class MeasureLoraAdapterCommand : ModuleSelectingCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public LoraAdapter[] Adapter { get; set; } = null!;



    [Parameter]
    [ValidateRange(0, 256)]
    public int ThrottleLimit { get; set; }

    protected override void ProcessRecord()
    {
        var selected = SelectedModules();
        foreach (var adapter in Adapter)
        {
            if (adapter.IsDora)
                WriteWarning($"'{adapter.Name}' is a DoRA adapter: these are the spectra of its B·A parts, without the magnitude vector that rescales the adapted weights.");
            var modules = adapter.Modules.Where(m => selected(m.Name)).ToList();
            RunOrdered(
                modules,
                (module, token) => ModuleSpectrum.Measure(module, token),
                (module, spectrum) => WriteObject(spectrum),
                (module, error) => WriteEngineError(error, module.Name),
                $"Measuring {adapter.Name}",
                module => module.Name,
                ThrottleLimit);
        }
    }
}
