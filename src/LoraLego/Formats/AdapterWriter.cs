using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats.Writing;
using LoraLego.SafeTensors;
using LoraLego.Units;

namespace LoraLego.Formats;

/// <summary>
/// Writes an adapter whose modules are produced one at a time: the header is fixed from the declared
/// shapes first, then each module's units are requested, folded into scale-1 factors and streamed out,
/// so memory holds one module at a time. Provenance still being computed (FinishProvenance) goes into
/// the header last, in place. Output goes to a temporary file/folder beside the target and is renamed
/// into place; inputs are never overwritten. How modules are named and their scales stated is the
/// consumer's (<see cref="ConsumerWriter"/>: PEFT, kohya, diffusers).
/// </summary>
public static class AdapterWriter
{
    /// <summary>Writes the adapter and returns the full path of what was written (PEFT folder, kohya or diffusers file).</summary>
    public static string Write(
        string target,
        IReadOnlyList<OutputModule> modules,
        Func<OutputModule, CancellationToken, UnitBlock> produceUnits,
        AdapterWriteOptions options,
        CancellationToken cancellationToken = default)
    {
        if (target is null) throw new ArgumentNullException(nameof(target));
        if (modules is null) throw new ArgumentNullException(nameof(modules));
        if (produceUnits is null) throw new ArgumentNullException(nameof(produceUnits));
        return WriteFolded(target, modules, (m, ct) => FoldedFactors.Of(m, produceUnits(m, ct)), options ?? new AdapterWriteOptions(), cancellationToken);
    }

    /// <summary>As <see cref="Write"/>, with each module's factors folded from units the caller holds (no block assembled first).</summary>
    internal static string WriteFolded(string target, IReadOnlyList<OutputModule> modules, Func<OutputModule, CancellationToken, FoldedFactors> produce,
        AdapterWriteOptions options, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(target).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);

        CheckOptions(full, modules, options);
        modules = OfComponent(full, modules, options.Component);
        OutputTarget.RefuseInputs(full, options);
        var consumer = ConsumerWriter.For(options.Format, full);
        (modules, produce) = consumer.Regroup(modules, produce, options);
        var layouts = consumer.Layout(modules, options, full);
        var specs = BuildSpecs(full, layouts, options);
        var described = OutputMetadata.Describe(full, layouts, consumer, options);
        var metadata = OutputMetadata.WithProvenance(described, options.Provenance);

        return consumer.WritesFolder
            ? WriteFolder(full, consumer, layouts, specs, described, metadata, produce, options, cancellationToken)
            : WriteFile(full, layouts, specs, described, metadata, produce, options, cancellationToken);
    }

    /// <summary>-Component: only that component's modules are laid out (and produced).</summary>
    private static IReadOnlyList<OutputModule> OfComponent(string target, IReadOnlyList<OutputModule> modules, string? component)
    {
        if (component is null) return modules;
        var picked = modules.Where(m => string.Equals(m.Identity.Component, component, StringComparison.Ordinal)).ToList();
        if (picked.Count == 0)
        {
            var present = modules.Select(m => m.Identity.Component.Length == 0 ? "(the model itself)" : m.Identity.Component).Distinct(StringComparer.Ordinal).OrderBy(c => c, StringComparer.Ordinal);
            throw new AdapterException(AdapterErrorIds.OutputModuleInvalid, LoraErrorCategory.InvalidArgument, target,
                $"No module belongs to component '{component}', so nothing would be written to {target}; the modules' components are: {string.Join(", ", present)}.");
        }

        return picked;
    }

    private static string WriteFolder(string folder, ConsumerWriter consumer, IReadOnlyList<WrittenModule> layouts, List<TensorSpec> specs,
        IReadOnlyDictionary<string, string> described, Dictionary<string, string> metadata, Func<OutputModule, CancellationToken, FoldedFactors> produce,
        AdapterWriteOptions options, CancellationToken ct)
    {
        OutputTarget.CheckFolderTarget(folder, options.Overwrite);
        var config = consumer.Config(layouts, options, folder)!;
        var staging = OutputTarget.CreateStagingFolder(folder);
        try
        {
            var tensorPath = Path.Combine(staging, PeftReader.TensorFileName);
            Stream(tensorPath, layouts, specs, described, metadata, produce, options, overwrite: false, ct);
            WriteConfig(Path.Combine(staging, PeftReader.ConfigFileName), config, folder);
            OutputTarget.PublishFolder(staging, folder, options.Overwrite, PeftReader.TensorFileName, PeftReader.ConfigFileName);
            return folder;
        }
        finally
        {
            OutputTarget.DeleteQuietly(staging);
        }
    }

    /// <summary>A full disk or a lost folder while writing the config is a write error, not a raw IOException.</summary>
    private static void WriteConfig(string path, string config, string target)
    {
        try
        {
            File.WriteAllText(path, config, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdapterException(AdapterErrorIds.OutputWriteFailed, LoraErrorCategory.WriteError, target, $"Cannot write the adapter config for {target}: {e.Message}", inner: e);
        }
    }

    private static string WriteFile(string file, IReadOnlyList<WrittenModule> layouts, List<TensorSpec> specs, IReadOnlyDictionary<string, string> described,
        Dictionary<string, string> metadata, Func<OutputModule, CancellationToken, FoldedFactors> produce, AdapterWriteOptions options, CancellationToken ct)
    {
        OutputTarget.CheckFileTarget(file, options.Overwrite);
        var parent = Path.GetDirectoryName(file);
        if (!string.IsNullOrEmpty(parent)) Directory.CreateDirectory(parent);
        Stream(file, layouts, specs, described, metadata, produce, options, options.Overwrite, ct);
        return file;
    }

    private static void Stream(string path, IReadOnlyList<WrittenModule> layouts, List<TensorSpec> specs, IReadOnlyDictionary<string, string> described,
        Dictionary<string, string> metadata, Func<OutputModule, CancellationToken, FoldedFactors> produce, AdapterWriteOptions options, bool overwrite, CancellationToken ct)
    {
        using var writer = new SafeTensorWriter(path, specs, metadata, overwrite);
        foreach (var layout in layouts)
        {
            ct.ThrowIfCancellationRequested();

            // What the alpha (or config) beside the factors states is divided out; the rest is folded in.
            var factors = produce(layout.Module, ct).StatedAs(layout.StatedScale);
            writer.WriteTensor(layout.AKey, factors.ALength, factors.FillA);
            writer.WriteTensor(layout.BKey, factors.BLength, factors.FillB);
            if (layout.AlphaKey is not null) writer.WriteTensor(layout.AlphaKey, new float[] { layout.StoredAlpha });
        }

        foreach (var extra in options.ExtraTensors)
        {
            ct.ThrowIfCancellationRequested();
            writer.WriteTensorRaw(extra.Name, extra.ReadRaw());
        }

        if (options.FinishProvenance is not null)
        {
            // The tensors go to disk while the provenance is still being finished, not after it.
            writer.FlushToDisk();
            writer.ReplaceMetadata(OutputMetadata.WithProvenance(described, options.FinishProvenance(ct)));
        }

        ct.ThrowIfCancellationRequested();
        writer.Commit();
    }

    private static void CheckOptions(string target, IReadOnlyList<OutputModule> modules, AdapterWriteOptions options)
    {
        if (options.DType is not (SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16))
        {
            throw new AdapterException(AdapterErrorIds.OutputFormatNotSupported, LoraErrorCategory.InvalidArgument, target,
                $"Cannot write LoRA factors as {options.DType}; choose F32, F16 or BF16.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in modules)
        {
            if (!seen.Add(m.Name))
            {
                throw new AdapterException(AdapterErrorIds.OutputModuleInvalid, LoraErrorCategory.InvalidArgument, target,
                    $"Module '{m.Name}' is listed twice for {target}.", m.Name);
            }
        }

        if (modules.Count == 0)
        {
            throw new AdapterException(AdapterErrorIds.OutputModuleInvalid, LoraErrorCategory.InvalidArgument, target,
                $"Nothing to write to {target}: no modules.");
        }
    }

    private static List<TensorSpec> BuildSpecs(string target, IReadOnlyList<WrittenModule> layouts, AdapterWriteOptions options)
    {
        var specs = layouts.SelectMany(l => l.Specs(options.DType)).ToList();
        var names = new HashSet<string>(specs.Select(s => s.Name), StringComparer.Ordinal);
        if (names.Count != specs.Count)
        {
            var dup = specs.GroupBy(s => s.Name).First(g => g.Count() > 1).Key;
            var who = layouts.Where(l => l.Specs(options.DType).Any(s => s.Name == dup)).Select(l => l.Module.Name);
            throw new AdapterException(AdapterErrorIds.OutputModuleInvalid, LoraErrorCategory.InvalidArgument, target,
                $"Two modules map to the same tensor key '{dup}' in {options.Format} naming ({string.Join(", ", who)}).");
        }

        foreach (var extra in options.ExtraTensors)
        {
            if (!names.Add(extra.Name))
            {
                throw new AdapterException(AdapterErrorIds.OutputSourcesConflict, LoraErrorCategory.InvalidArgument, target,
                    $"Extra tensor '{extra.Name}' (from {extra.Adapter.Name}) collides with another tensor of the same name; pick one source's.");
            }

            specs.Add(new TensorSpec(extra.Name, extra.Info.DType, extra.Shape.ToArray()));
        }

        return specs;
    }
}
