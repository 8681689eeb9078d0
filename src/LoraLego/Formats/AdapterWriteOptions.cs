using System;
using System.Collections.Generic;
using LoraLego.Adapters;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>How <see cref="AdapterWriter"/> writes an adapter.</summary>
public sealed class AdapterWriteOptions
{
    public AdapterFormat Format { get; set; } = AdapterFormat.Peft;

    /// <summary>F32, F16 or BF16 (float32 values are rounded to nearest even).</summary>
    public SafeTensorDType DType { get; set; } = SafeTensorDType.F32;

    /// <summary>Replace an existing output (the files are swapped in by rename).</summary>
    public bool Overwrite { get; set; }

    /// <summary>
    /// The adapters the output is made from: never overwritten (OutputIsInput), and the PEFT config
    /// takes base model, task type, fan_in_fan_out, target_modules and modules_to_save from them.
    /// </summary>
    public IReadOnlyList<LoraAdapter> Sources { get; set; } = Array.Empty<LoraAdapter>();

    /// <summary>base_model_name_or_path; null means the sources' when they agree.</summary>
    public string? BaseModel { get; set; }

    /// <summary>Provenance written into __metadata__; keys get the "loralego." prefix when they lack it.</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; set; } = new Dictionary<string, string>();

    /// <summary>Non-LoRA tensors to copy byte for byte under their own names (e.g. a score head).</summary>
    public IReadOnlyList<ExtraTensor> ExtraTensors { get; set; } = Array.Empty<ExtraTensor>();
}
