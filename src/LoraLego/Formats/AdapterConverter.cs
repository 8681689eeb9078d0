using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

namespace LoraLego.Formats;

/// <summary>
/// One adapter written again in another format or dtype: every module as it is (same rank, alpha and
/// scale: <see cref="OutputModule.Preserving"/>), so each writer copies the factors unchanged wherever
/// its consumer can state the scale, and parts of one fused Flux layer fuse back at their rank.
/// </summary>
public static class AdapterConverter
{
    /// <summary>
    /// Writes <paramref name="source"/> to <paramref name="target"/>; <paramref name="options"/> gives the
    /// format, dtype and overwrite (Sources, CarriedMetadata, Title and PartsShareA are filled in here).
    /// <paramref name="onModule"/> is called as each module is written (progress). Returns what was written.
    /// </summary>
    public static string Convert(LoraAdapter source, string target, AdapterWriteOptions options, Action<OutputModule>? onModule = null, CancellationToken cancellationToken = default)
    {
        if (source is null) throw new ArgumentNullException(nameof(source));
        if (options is null) throw new ArgumentNullException(nameof(options));
        if (source.IsDora)
        {
            throw new LoraLegoException("DoraNotConvertible", LoraErrorCategory.NotImplemented, source.Path,
                $"Adapter '{source.Name}' ({source.Path}) is a DoRA adapter: its magnitude vectors rescale the base weight's columns, which a plain LoRA file cannot state. Nothing was written to {target}.");
        }

        options.Sources = new[] { source };
        options.CarriedMetadata = source.Metadata;
        options.Title ??= source.Training?.Title;
        options.PartsShareA = parts => FluxNaming.PartsShareA(parts.Select(p => source.GetModule(p.Name)!).ToList());
        var modules = source.Modules.Select(OutputModule.Preserving).ToList();
        return AdapterWriter.Write(target, modules, (m, token) =>
        {
            onModule?.Invoke(m);
            token.ThrowIfCancellationRequested();
            return source.GetModule(m.Name)!.ReadUnits();
        }, options, cancellationToken);
    }
}
