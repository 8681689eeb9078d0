using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats;
using LoraLego.PowerShell.Infrastructure;
using LoraLego.Resizing;
using LoraLego.SafeTensors;

namespace LoraLego.PowerShell.Commands;

/// <summary>
/// Writes a lower-rank copy of an adapter: every module replaced by the best rank-k approximation of
/// its delta (from the factors), k fixed (-Rank) or chosen per module from its singular values
/// (-EnergyRatio, -SingularValueRatio, -CumulativeRatio). -PassThru reports each module's ranks and
/// the energy kept.
/// </summary>
[Cmdlet(VerbsCommon.Resize, "LoraAdapter", SupportsShouldProcess = true, DefaultParameterSetName = RankSet)]
[OutputType(typeof(ModuleResize))]
public sealed class ResizeLoraAdapterCommand : LoraCmdletBase
{
    private const string RankSet = "Rank";
    private const string EnergySet = "EnergyRatio";
    private const string SingularValueSet = "SingularValueRatio";
    private const string CumulativeSet = "CumulativeRatio";
    private int _adapters;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public LoraAdapter Adapter { get; set; } = null!;

    /// <summary>The output: a folder (PEFT) or a .safetensors file (kohya).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = RankSet)]
    [ValidateRange(1, 1 << 20)]
    public int Rank { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = EnergySet)]
    [ValidateRange(1e-9, 1.0)]
    public double EnergyRatio { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = SingularValueSet)]
    [ValidateRange(1.0, 1e300)]
    public double SingularValueRatio { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = CumulativeSet)]
    [ValidateRange(1e-9, 1.0)]
    public double CumulativeRatio { get; set; }

    [Parameter(ParameterSetName = EnergySet)]
    [Parameter(ParameterSetName = SingularValueSet)]
    [Parameter(ParameterSetName = CumulativeSet)]
    [ValidateRange(1, 1 << 20)]
    public int MaxRank { get; set; } = int.MaxValue;

    [Parameter(ParameterSetName = EnergySet)]
    [Parameter(ParameterSetName = SingularValueSet)]
    [Parameter(ParameterSetName = CumulativeSet)]
    [ValidateRange(1, 1 << 20)]
    public int MinRank { get; set; } = 1;

    /// <summary>Output format; by default the input's when it can be written, else Peft.</summary>
    [Parameter]
    public OutputFormat Format { get; set; }

    /// <summary>Output dtype; by default the input's (F32 when its factors differ).</summary>
    [Parameter]
    public OutputDType DType { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    [ValidateRange(0, 256)]
    public int ThrottleLimit { get; set; }

    protected override void ProcessRecord()
    {
        if (++_adapters > 1)
        {
            WriteError(ErrorRecords.Create("ResizeTargetReused", ErrorCategory.InvalidArgument, Adapter.Name,
                $"'{Adapter.Name}' was not resized: Resize-LoraAdapter writes one adapter to '{Path}', and another adapter came first. Resize each adapter with its own -Path (e.g. in ForEach-Object)."));
            return;
        }

        if (Adapter.IsDora)
        {
            WriteError(ErrorRecords.Create("DoraNotResizable", ErrorCategory.NotImplemented, Adapter.Path,
                $"'{Adapter.Name}' ({Adapter.Path}) is a DoRA adapter: its magnitude vector rescales the adapted weight, so a truncated B·A written as a plain LoRA would be a different adapter."));
            return;
        }

        if (MinRank > MaxRank)
        {
            WriteError(ErrorRecords.Create("ResizeRankRangeInvalid", ErrorCategory.InvalidArgument, MinRank,
                $"-MinRank {MinRank} is above -MaxRank {MaxRank}; give MinRank ≤ MaxRank."));
            return;
        }

        var target = PathResolver.ResolveOutput(this, Path);
        var options = Options();
        var resized = new List<ResizedModule>();
        var failed = false;
        RunOrdered(
            Adapter.Modules,
            (module, token) => ResizedModule.Resize(module, options, token),
            (module, result) => resized.Add(result),
            (module, error) =>
            {
                failed = true;
                WriteEngineError(error, module.Name);
            },
            $"Resizing {Adapter.Name}",
            module => module.Name,
            ThrottleLimit);
        if (failed)
        {
            WriteError(ErrorRecords.Create("ResizeFailed", ErrorCategory.InvalidData, target,
                $"Nothing was written to '{target}': some modules of '{Adapter.Name}' could not be resized (see the errors above)."));
            return;
        }

        var oldRanks = Adapter.Rank;
        var newRanks = Describe(resized.Select(r => r.Report.NewRank));
        var format = ChooseFormat();
        if (ShouldProcess(target, $"Write {format} adapter resized from '{Adapter.Name}' ({resized.Count} modules, rank {oldRanks} → {newRanks}, {options})"))
        {
            try
            {
                var write = new AdapterWriteOptions { Format = format, DType = ChooseDType(), Overwrite = Force };
                ResizeWriter.Write(target, Adapter, resized, options, write, StopToken);
            }
            catch (LoraLegoException e)
            {
                WriteEngineError(e, target);
                return;
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
        }

        if (PassThru)
        {
            foreach (var r in resized) WriteObject(r.Report);
        }
    }

    private ResizeOptions Options() => ParameterSetName switch
    {
        EnergySet => ResizeOptions.Dynamic(RankCriterion.Frobenius, EnergyRatio, MinRank, MaxRank),
        SingularValueSet => ResizeOptions.Dynamic(RankCriterion.SingularValueRatio, SingularValueRatio, MinRank, MaxRank),
        CumulativeSet => ResizeOptions.Dynamic(RankCriterion.Cumulative, CumulativeRatio, MinRank, MaxRank),
        _ => ResizeOptions.Fixed(Rank),
    };

    /// <summary>The input's format when OutputFormat has it (matched by name, so new writers need no change here), else PEFT.</summary>
    private AdapterFormat ChooseFormat()
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Format))) return (AdapterFormat)Enum.Parse(typeof(AdapterFormat), Format.ToString());
        return Enum.IsDefined(typeof(OutputFormat), Adapter.Format.ToString()) ? Adapter.Format : AdapterFormat.Peft;
    }

    private SafeTensorDType ChooseDType()
    {
        if (MyInvocation.BoundParameters.ContainsKey(nameof(DType)))
            return DType switch { OutputDType.F16 => SafeTensorDType.F16, OutputDType.BF16 => SafeTensorDType.BF16, _ => SafeTensorDType.F32 };
        return Adapter.DType switch { "F16" => SafeTensorDType.F16, "BF16" => SafeTensorDType.BF16, _ => SafeTensorDType.F32 };
    }

    private static string Describe(IEnumerable<int> ranks)
    {
        var list = ranks.ToList();
        if (list.Count == 0) return "none";
        int min = list.Min(), max = list.Max();
        return min == max ? min.ToString(CultureInfo.InvariantCulture) : $"{min.ToString(CultureInfo.InvariantCulture)}-{max.ToString(CultureInfo.InvariantCulture)}";
    }
}
