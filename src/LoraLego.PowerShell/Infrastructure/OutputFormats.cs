using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.PowerShell.Commands;
using LoraLego.SafeTensors;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>What -Format and -DType mean for the cmdlets that write adapters.</summary>
internal static class OutputFormats
{
    public static AdapterFormat ToAdapterFormat(OutputFormat format) => format switch
    {
        OutputFormat.Kohya => AdapterFormat.Kohya,
        OutputFormat.Diffusers => AdapterFormat.Diffusers,
        _ => AdapterFormat.Peft,
    };

    public static OutputFormat FromAdapterFormat(AdapterFormat format) => format switch
    {
        AdapterFormat.Kohya => OutputFormat.Kohya,
        AdapterFormat.Diffusers => OutputFormat.Diffusers,
        _ => OutputFormat.Peft,
    };

    /// <summary>The -DType asked for; else the sources' one dtype; else F32 (when they differ, or F64).</summary>
    public static SafeTensorDType ChooseDType(OutputDType? asked, IReadOnlyList<LoraAdapter> sources)
    {
        if (asked is OutputDType d)
        {
            return d switch { OutputDType.F16 => SafeTensorDType.F16, OutputDType.BF16 => SafeTensorDType.BF16, _ => SafeTensorDType.F32 };
        }

        var dtypes = sources.SelectMany(s => s.Modules).Select(m => m.DType).Distinct().ToList();
        if (dtypes.Count != 1) return SafeTensorDType.F32;
        return dtypes[0] switch { "F16" => SafeTensorDType.F16, "BF16" => SafeTensorDType.BF16, _ => SafeTensorDType.F32 };
    }
}
