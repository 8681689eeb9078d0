using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats;
using LoraLego.Merging;
using LoraLego.Pipeline;
using LoraLego.PowerShell.Infrastructure;
using LoraLego.SafeTensors;
using LoraLego.Units;

namespace LoraLego.PowerShell.Commands;

/// <summary>What Merge-LoraAdapter does with tensors that are not LoRA units (heads, biases).</summary>
public enum ExtraTensorPolicy
{
    /// <summary>Leave them out, with a warning that lists them.</summary>
    None,

    /// <summary>Keep the first adapter's.</summary>
    First,
}

/// <summary>Output dtypes Merge-LoraAdapter writes.</summary>
public enum OutputDType
{
    F32,
    F16,
    BF16,
}

/// <summary>Output formats Merge-LoraAdapter and Convert-LoraAdapter write (docs/formats.md).</summary>
public enum OutputFormat
{
    /// <summary>A PEFT folder for PeftModel.from_pretrained: one model (pipeline component) per folder.</summary>
    Peft,

    /// <summary>One kohya .safetensors file for A1111, Forge, ComfyUI and sd-scripts.</summary>
    Kohya,

    /// <summary>One diffusers .safetensors file for pipeline.load_lora_weights, with lora_adapter_metadata.</summary>
    Diffusers,
}

/// <summary>
/// Gathers units by module and writes one adapter: units that arrive unclustered are concatenated
/// (the exact sum of the inputs) unless -Method says otherwise; centroids from Invoke-LoraCluster
/// are assembled as they are. The output appears whole or not at all.
/// </summary>
[Cmdlet(VerbsData.Merge, "LoraAdapter", SupportsShouldProcess = true)]
[OutputType(typeof(LoraAdapter))]
public sealed class MergeLoraAdapterCommand : UnitGatheringCmdletBase
{
    /// <summary>The output: a folder (PEFT) or a .safetensors file (kohya, diffusers).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    [Parameter]
    [ArgumentCompleter(typeof(MergeMethodCompleter))]
    [ValidateNotNullOrEmpty]
    public string Method { get; set; } = MergeDefaults.Method;

    /// <summary>How each merged module's output is scaled after the method (data-free); not given: the method's default (MergeDefaults).</summary>
    [Parameter]
    public OutputScaleRule OutputScale { get; set; } = MergeDefaults.Rule;

    /// <summary>Target rank for methods that reduce rank (Svd, Ties, Dare, ..., Lego).</summary>
    [Parameter]
    [ValidateRange(1, 1 << 20)]
    public int Rank { get; set; }

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double Density { get; set; } = 0.5;

    [Parameter]
    public SignElection SignElection { get; set; } = SignElection.Total;

    [Parameter]
    public KnotsMerge KnotsMerge { get; set; } = KnotsMerge.Ties;

    /// <summary>TSV-M: the fraction of min(d_out, d_in) singular triplets each input keeps; unbound means 1/T.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double? TaskFraction { get; set; }

    /// <summary>Iso-CTS: the fraction of the rank given to the common subspace.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double CommonSpaceFraction { get; set; } = 0.8;

    /// <summary>CoreSpace: the method run on the core matrices.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(MergeMethodCompleter))]
    [ValidateNotNullOrEmpty]
    public string CoreSpaceMerge { get; set; } = TsvMethod.MethodName;

    [Parameter]
    public int Seed { get; set; }

    [Parameter]
    public OutputFormat Format { get; set; } = OutputFormat.Peft;

    /// <summary>Write only this pipeline component's modules (a PEFT folder holds one component).</summary>
    [Parameter]
    [ValidateSet(ModelComponent.Unet, ModelComponent.TextEncoder, ModelComponent.TextEncoder2, ModelComponent.Transformer)]
    public string? Component { get; set; }

    /// <summary>Output dtype; by default the inputs' (F32 when they differ).</summary>
    [Parameter]
    public OutputDType DType { get; set; }

    [Parameter]
    public ExtraTensorPolicy ExtraTensors { get; set; } = ExtraTensorPolicy.None;

    /// <summary>base_model_name_or_path for the output; by default the inputs'.</summary>
    [Parameter]
    public string? BaseModel { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        if (RefusedCount > 0)
        {
            // A merge that silently lacks an adapter's module would be a wrong adapter: write nothing.
            WriteError(ErrorRecords.Create("MergeFailed", ErrorCategory.InvalidData, Path,
                $"Nothing was written to '{Path}': units of {RefusedCount} module(s) were refused (see the errors above)."));
            return;
        }

        if (Units.UnitCount == 0)
        {
            WriteError(ErrorRecords.Create("NoUnitsToMerge", ErrorCategory.InvalidArgument, Path, $"No units reached Merge-LoraAdapter, so nothing was written to '{Path}'."));
            return;
        }

        var target = PathResolver.ResolveOutput(this, Path);
        try
        {
            IMergeMethod method = MergeMethodRegistry.Get(Method);
            var options = new MergeOptions
            {
                Rank = MyInvocation.BoundParameters.ContainsKey(nameof(Rank)) ? Rank : null,
                Density = Density,
                SignElection = SignElection,
                KnotsMerge = KnotsMerge,
                TaskFraction = TaskFraction,
                CommonSpaceFraction = CommonSpaceFraction,
                CoreSpaceMerge = CoreSpaceMerge,
                Seed = Seed,
                OutputScale = MyInvocation.BoundParameters.ContainsKey(nameof(OutputScale)) ? OutputScale : MergeDefaults.OutputScaleFor(method.Name),
            };
            if (Units.Pools.All(p => p.Units.All(u => u.IsCentroid)))
            {
                // Centroids are the merged units already (Invoke-LoraCluster scaled them): assembled exactly.
                if (MyInvocation.BoundParameters.ContainsKey(nameof(Method)) || MyInvocation.BoundParameters.ContainsKey(nameof(OutputScale)))
                    WriteWarning($"The units are centroids from Invoke-LoraCluster: they are assembled as they are, so -Method {Method} and -OutputScale do not apply (Invoke-LoraCluster has its own -OutputScale).");
                method = new ConcatMethod();
                options.OutputScale = OutputScaleRule.AsMerged;
            }

            var sources = MergeStage.Sources(Units);

            // The sources' hashes (provenance) are computed on worker threads while the checks run and
            // the tensors are written; the header is laid out with placeholders and gets them last.
            using var hashes = new SourceHashes(ThrottleLimit, StopToken);
            hashes.Start(sources);
            var provenance = MergeStage.Provenance(Units, sources, method.Name, options, _ => SourceHashes.Pending);
            var write = new AdapterWriteOptions
            {
                Format = OutputFormats.ToAdapterFormat(Format),
                Component = Component,
                DType = ChooseDType(sources),
                Overwrite = Force,
                Sources = sources,
                BaseModel = BaseModel,
                ExtraTensors = ChooseExtraTensors(sources),
                Provenance = provenance,
                FinishProvenance = token => MergeStage.WithSourceHashes(provenance, sources, s => hashes.Get(s, token)),
            };
            WarnOnBaseModels(sources);
            CheckFinite(target, method);

            var what = $"{Units.Pools.Count} modules from {sources.Count} adapter(s), method {method.Name}, as {Format}";
            if (!ShouldProcess(target, $"Write merged LoRA adapter ({what})")) return;

            var written = Write(target, method, options, write);
            if (PassThru) WriteObject(AdapterLoader.Load(written));
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
    /// Concat as merged streams: each module is folded from the pooled units while it is written, so memory holds one module.
    /// Other methods first merge every module on the worker threads (ordered, bounded), then write.
    /// </summary>
    private string Write(string target, IMergeMethod method, MergeOptions options, AdapterWriteOptions write)
    {
        var pools = Units.Pools;
        var progress = new ProgressRecord(0x10A1, "Writing merged LoRA adapter", target);
        int done = 0;
        if (method is ConcatMethod && options.OutputScale == OutputScaleRule.AsMerged)
        {
            return ConcatWriter.Write(target, pools, write, m => Report(progress, ++done, pools.Count, m.Name), StopToken);
        }

        var merged = new Dictionary<string, UnitBlock>(StringComparer.Ordinal);
        var failed = false;
        var recycler = new FactorRecycler();
        RunOrdered(
            pools,
            (pool, token) => MergeStage.MergeModule(pool, method, ClusterStage.ForModule(options, RankSelector.Default, pool.Module), recycler, token),
            (pool, block) => merged[pool.Module] = block,
            (pool, error) =>
            {
                failed = true;
                WriteEngineError(error, pool.Module);
            },
            $"Merging modules ({method.Name})",
            pool => pool.Module,
            ThrottleLimit);
        if (failed)
        {
            throw new LoraLegoException("MergeFailed", LoraErrorCategory.InvalidOperation, target,
                $"Nothing was written to {target}: merging some modules failed (see the errors above).");
        }

        var outputs = pools.Select(p => MergeStage.OutputFor(p, merged[p.Module].Count)).ToList();
        return AdapterWriter.Write(target, outputs, (m, token) =>
        {
            Report(progress, ++done, pools.Count, m.Name);
            var block = merged[m.Name];
            merged.Remove(m.Name);
            return block;
        }, write, StopToken);
    }

    private void Report(ProgressRecord progress, int done, int total, string module)
    {
        progress.StatusDescription = $"{done} of {total}: {module}";
        progress.PercentComplete = (int)(100L * done / Math.Max(1, total));
        WriteProgress(progress);
    }

    private SafeTensorDType ChooseDType(IReadOnlyList<LoraAdapter> sources) =>
        OutputFormats.ChooseDType(MyInvocation.BoundParameters.ContainsKey(nameof(DType)) ? DType : null, sources);

    private IReadOnlyList<ExtraTensor> ChooseExtraTensors(IReadOnlyList<LoraAdapter> sources)
    {
        var all = sources.SelectMany(s => s.ExtraTensors).ToList();
        if (all.Count == 0) return Array.Empty<ExtraTensor>();
        if (ExtraTensors == ExtraTensorPolicy.First)
        {
            var first = sources.First(s => s.ExtraTensors.Count > 0);
            var dropped = all.Where(e => e.Adapter != first).ToList();
            if (dropped.Count > 0)
                WriteWarning($"Keeping the extra tensors of '{first.Name}'; leaving out {dropped.Count} of other adapters: {string.Join(", ", dropped.Select(e => $"{e.Adapter.Name}:{e.Name}"))}.");
            return first.ExtraTensors;
        }

        WriteWarning($"Leaving out {all.Count} tensor(s) that are not LoRA units (use -ExtraTensors First to keep the first adapter's): {string.Join(", ", all.Select(e => $"{e.Adapter.Name}:{e.Name}"))}.");
        return Array.Empty<ExtraTensor>();
    }

    /// <summary>
    /// NaN/Inf in the input makes merged modules NaN: refused (NonFiniteWeights) unless -Force, which warns
    /// instead; only Concat can carry them (every other method starts from an SVD, which they make impossible).
    /// </summary>
    private void CheckFinite(string target, IMergeMethod method)
    {
        var findings = Units.Pools.SelectMany(p => NonFiniteWeights.Scan(p, StopToken)).ToList();
        if (findings.Count == 0) return;
        if (!Force) throw NonFiniteWeights.Error(findings, target);
        if (method is not ConcatMethod) throw NonFiniteWeights.ForcedWithMethod(findings, target, method.Name);
        foreach (var finding in findings) WriteWarning($"Merging non-finite weights because of -Force: {finding}.");
    }

    private void WarnOnBaseModels(IReadOnlyList<LoraAdapter> sources)
    {
        if (BaseModel is not null) return;
        var bases = sources.Where(s => !string.IsNullOrEmpty(s.BaseModel)).GroupBy(s => s.BaseModel!, StringComparer.Ordinal).ToList();
        if (bases.Count > 1)
        {
            WriteWarning($"The adapters name different base models ({string.Join("; ", bases.Select(g => $"{g.Key}: {string.Join(", ", g.Select(s => s.Name))}"))}); their shapes agree, so they are merged. The output names '{bases[0].Key}'; pass -BaseModel to choose.");
        }
    }
}
