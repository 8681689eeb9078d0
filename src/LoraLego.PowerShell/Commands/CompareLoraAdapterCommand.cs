using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LoraLego.Adapters;
using LoraLego.Analysis;
using LoraLego.PowerShell.Infrastructure;

namespace LoraLego.PowerShell.Commands;

/// <summary>
/// Pairwise similarity of adapters over the modules they share, from the factors: per module the
/// cosine of the deltas and the overlap of their column and row spaces; per pair the energy-weighted
/// means, the extreme cosines and the shared module count. -Reference ranks a pool against one
/// adapter; -Matrix gives the pool as one matrix.
/// </summary>
[Cmdlet(VerbsData.Compare, "LoraAdapter", DefaultParameterSetName = PairsSet)]
[OutputType(typeof(AdapterSimilarity), ParameterSetName = new[] { PairsSet, ReferenceSet })]
[OutputType(typeof(SimilarityMatrix), ParameterSetName = new[] { MatrixSet })]
public sealed class CompareLoraAdapterCommand : ModuleSelectingCmdletBase
{
    private const string PairsSet = "Pairs";
    private const string ReferenceSet = "Reference";
    private const string MatrixSet = "Matrix";
    private readonly List<LoraAdapter> _pool = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public LoraAdapter[] Adapter { get; set; } = null!;

    /// <summary>Compare every adapter of the pool with this one only; results most similar first.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ReferenceSet)]
    [ValidateNotNull]
    public LoraAdapter Reference { get; set; } = null!;

    /// <summary>One SimilarityMatrix for the whole pool instead of one object per pair.</summary>
    [Parameter(Mandatory = true, ParameterSetName = MatrixSet)]
    public SwitchParameter Matrix { get; set; }



    [Parameter]
    [ValidateRange(0, 256)]
    public int ThrottleLimit { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var adapter in Adapter)
        {
            if (!_pool.Contains(adapter)) _pool.Add(adapter);
        }
    }

    protected override void EndProcessing()
    {
        var reference = ParameterSetName == ReferenceSet ? Reference : null;
        var plan = new SimilarityPlan(_pool, reference, SelectedModules());
        if (plan.Pairs.Count == 0)
        {
            WriteError(ErrorRecords.Create("CompareNeedsTwoAdapters", ErrorCategory.InvalidArgument, _pool.FirstOrDefault()?.Name,
                reference is null
                    ? $"Compare-LoraAdapter needs at least two adapters; it got {_pool.Count}. Pass more to -Adapter or through the pipeline."
                    : $"-Reference '{reference.Name}' has nothing to be compared with: pass other adapters to -Adapter or through the pipeline."));
            return;
        }

        foreach (var dora in plan.Adapters.Where(a => a.IsDora))
            WriteWarning($"'{dora.Name}' is a DoRA adapter: it is compared by its B·A parts, without the magnitude vector.");

        var results = new List<ModuleSimilarity>();
        RunOrdered(
            plan.Modules,
            (module, token) => plan.CompareModule(module, token),
            (module, similarities) => results.AddRange(similarities),
            (module, error) => WriteEngineError(error, module),
            "Comparing adapters",
            module => module,
            ThrottleLimit);

        var summaries = plan.Summarize(results);
        foreach (var empty in summaries.Where(s => s.SharedModules == 0))
            WriteWarning($"'{empty.Reference}' and '{empty.Other}' share no module{(SelectsAll ? string.Empty : " that matches -Module/-Layer")}: their similarity is undefined (NaN).");

        if (Matrix)
        {
            WriteObject(plan.Matrix(summaries));
            return;
        }

        foreach (var summary in summaries) WriteObject(summary);
    }
}
