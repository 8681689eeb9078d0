using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Measuring;
using LoraLego.Pipeline;
using LoraLego.PowerShell.Infrastructure;

namespace LoraLego.PowerShell.Commands;

/// <summary>
/// Measures a merged adapter against its sources, module by module, from the factors: relative
/// error against the (weighted) sum, each source's retention and cosine, energy captured and the
/// merged delta's effective rank. -Summary gives one object for the whole adapter.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "LoraMerge", DefaultParameterSetName = "Modules")]
[OutputType(typeof(ModuleMeasurement), ParameterSetName = new[] { "Modules" })]
[OutputType(typeof(MergeSummary), ParameterSetName = new[] { "Summary" })]
public sealed class MeasureLoraMergeCommand : LoraCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public LoraAdapter Merged { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public LoraAdapter[] Source { get; set; } = null!;

    /// <summary>Weights of the sources (as given to Split-LoraMsu -Weight); one per source, default 1.</summary>
    [Parameter]
    public double[]? Weight { get; set; }

    /// <summary>Only measure modules matching these patterns (wildcards).</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ModuleNameCompleter))]
    public string[]? Module { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Summary")]
    public SwitchParameter Summary { get; set; }

    [Parameter]
    [ValidateRange(0, 256)]
    public int ThrottleLimit { get; set; }

    protected override void ProcessRecord()
    {
        var weights = Weight ?? Enumerable.Repeat(1.0, Source.Length).ToArray();
        if (weights.Length != Source.Length)
        {
            WriteError(ErrorRecords.Create("WeightCountMismatch", ErrorCategory.InvalidArgument, Weight,
                $"-Weight has {weights.Length} values for {Source.Length} sources; give one weight per source."));
            return;
        }

        try
        {
            FamilyCheck.EnsureCompatible(new[] { Merged }.Concat(Source).ToList());
        }
        catch (LoraLegoException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e, Merged));
        }

        var filter = WildcardFilter.Create(Module);
        var modules = MeasureStage.ModuleNames(Merged, Source).Where(filter.Matches).ToList();
        foreach (var name in modules.Where(n => Merged.GetModule(n) is null))
            WriteWarning($"'{Merged.Name}' has no module '{name}' that a source has: the merged delta counts as zero there.");

        var results = new List<ModuleMeasurement>();
        RunOrdered(
            modules,
            (name, token) => MeasureStage.Measure(Merged, Source, weights, name, token),
            (name, measurement) =>
            {
                if (Summary) results.Add(measurement);
                else WriteObject(measurement);
            },
            (name, error) => WriteEngineError(error, name),
            $"Measuring {Merged.Name}",
            name => name,
            ThrottleLimit);
        if (Summary) WriteObject(MeasureStage.Summarize(Merged.Name, results, Source));
    }
}
