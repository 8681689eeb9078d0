using System;
using System.Collections.Generic;
using System.Threading;
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

    /// <summary>
    /// Provenance that is finished only once the tensors are written (e.g. source hashes computed
    /// meanwhile), or null. When set it is called after the last tensor, before the output is
    /// committed, and replaces <see cref="Provenance"/>, which then only lays out the header: both
    /// must make a header of the same length (a pending hash written as 64 placeholder digits).
    /// </summary>
    public Func<CancellationToken, IReadOnlyDictionary<string, string>>? FinishProvenance { get; set; }

    /// <summary>
    /// Write only the modules of this pipeline component (unet, text_encoder, text_encoder_2,
    /// transformer; "" for a transformers model); null writes all. A PEFT folder holds one component.
    /// </summary>
    public string? Component { get; set; }

    /// <summary>
    /// Training metadata (kohya ss_*, modelspec.*) that still describes the output, e.g. a conversion's
    /// source's; keys that describe the network's shape are recomputed, never carried (see <see cref="TrainingInfo.Carried"/>).
    /// </summary>
    public IReadOnlyDictionary<string, string> CarriedMetadata { get; set; } = new Dictionary<string, string>();

    /// <summary>modelspec.title of a kohya output; null means the output's file name.</summary>
    public string? Title { get; set; }

    /// <summary>
    /// For writers that fuse split layers (kohya's Flux names): true when a group of modules are parts of
    /// one fused LoRA (one A and scale), so they fuse back at their rank; null means ranks add up.
    /// </summary>
    public Func<IReadOnlyList<OutputModule>, bool>? PartsShareA { get; set; }

    /// <summary>Non-LoRA tensors to copy byte for byte under their own names (e.g. a score head).</summary>
    public IReadOnlyList<ExtraTensor> ExtraTensors { get; set; } = Array.Empty<ExtraTensor>();
}
