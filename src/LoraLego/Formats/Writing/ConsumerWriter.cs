using System;
using System.Collections.Generic;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

namespace LoraLego.Formats.Writing;

/// <summary>
/// What one consumer loads: how each output module is named (from its identity), how its scale is
/// stated, and what the file or folder carries besides the factors. One subclass per format.
/// </summary>
internal abstract class ConsumerWriter
{
    public abstract AdapterFormat Format { get; }

    /// <summary>PEFT writes a folder (config + tensors); the others one .safetensors file.</summary>
    public virtual bool WritesFolder => false;

    public static ConsumerWriter For(AdapterFormat format, string target) => format switch
    {
        AdapterFormat.Peft => new PeftWriter(),
        AdapterFormat.Kohya => new KohyaWriter(),
        AdapterFormat.Diffusers => new DiffusersWriter(),
        _ => throw new AdapterException(AdapterErrorIds.OutputFormatNotSupported, LoraErrorCategory.InvalidArgument, target,
            $"Writing {format} adapters is not supported; write Peft, Kohya or Diffusers."),
    };

    /// <summary>
    /// The modules as this consumer's layers, and how each one's factors are produced: the identity's
    /// modules one to one, except where the consumer's layers fuse several (kohya's Flux).
    /// </summary>
    public virtual (IReadOnlyList<OutputModule> Modules, Func<OutputModule, CancellationToken, FoldedFactors> Produce) Regroup(
        IReadOnlyList<OutputModule> modules, Func<OutputModule, CancellationToken, FoldedFactors> produce, AdapterWriteOptions options) => (modules, produce);

    /// <summary>The written keys of every module, in write order; throws for a module the consumer cannot load.</summary>
    public abstract IReadOnlyList<WrittenModule> Layout(IReadOnlyList<OutputModule> modules, AdapterWriteOptions options, string target);

    /// <summary>Format-specific __metadata__ entries (after "format" and the training description).</summary>
    public virtual void AddMetadata(IDictionary<string, string> metadata, IReadOnlyList<WrittenModule> modules, AdapterWriteOptions options)
    {
    }

    /// <summary>adapter_config.json text for a folder format; null otherwise.</summary>
    public virtual string? Config(IReadOnlyList<WrittenModule> modules, AdapterWriteOptions options, string target) => null;

    /// <summary>The error for a module this consumer has no name for.</summary>
    protected AdapterException Unmapped(OutputModule m, string target, string why) =>
        new(AdapterErrorIds.OutputNameUnmapped, LoraErrorCategory.InvalidArgument, target,
            $"Module '{m.Name}' cannot be written as {Format}: {why}", m.Name);
}
