using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

namespace LoraLego.Formats;

/// <summary>Where an output may go, and how it is moved into place without touching the inputs.</summary>
internal static class OutputTarget
{
    private static readonly StringComparison PathComparison =
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
            ? StringComparison.OrdinalIgnoreCase
            : StringComparison.Ordinal;

    /// <summary>OutputIsInput when the target is, or contains, a file or folder an input was read from.</summary>
    public static void RefuseInputs(string target, AdapterWriteOptions options)
    {
        var inputs = options.Sources.Concat(options.ExtraTensors.Select(e => e.Adapter)).Distinct();
        foreach (var source in inputs)
        {
            foreach (var p in new[] { source.Path, source.TensorFilePath, source.ConfigPath })
            {
                if (p is null) continue;
                var input = Path.GetFullPath(p).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
                if (string.Equals(input, target, PathComparison) || input.StartsWith(target + Path.DirectorySeparatorChar, PathComparison))
                {
                    throw new AdapterException(AdapterErrorIds.OutputIsInput, LoraErrorCategory.InvalidArgument, target,
                        $"{target} is where input adapter '{source.Name}' was read from ({input}); write the output somewhere else.");
                }
            }
        }
    }

    public static void CheckFolderTarget(string folder, bool overwrite)
    {
        if (File.Exists(folder))
        {
            throw new AdapterException(AdapterErrorIds.OutputNotAnAdapter, LoraErrorCategory.InvalidArgument, folder,
                $"{folder} is a file; a PEFT adapter is written as a folder.");
        }

        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any() && !overwrite)
        {
            throw new AdapterException(AdapterErrorIds.OutputExists, LoraErrorCategory.ResourceExists, folder,
                $"{folder} already exists and is not empty; pass overwrite (-Force) to replace the adapter in it.");
        }
    }

    public static void CheckFileTarget(string file, bool overwrite)
    {
        if (Directory.Exists(file))
        {
            throw new AdapterException(AdapterErrorIds.OutputNotAnAdapter, LoraErrorCategory.InvalidArgument, file,
                $"{file} is a folder; a kohya or diffusers adapter is written as one .safetensors file (only -Format Peft writes a folder).");
        }

        if (File.Exists(file) && !overwrite)
        {
            throw new AdapterException(AdapterErrorIds.OutputExists, LoraErrorCategory.ResourceExists, file,
                $"{file} already exists; pass overwrite (-Force) to replace it.");
        }
    }

    /// <summary>A hidden, uniquely named folder beside the target (same volume, so the final moves are renames).</summary>
    public static string CreateStagingFolder(string target)
    {
        var parent = Path.GetDirectoryName(target) ?? throw new AdapterException(AdapterErrorIds.OutputWriteFailed, LoraErrorCategory.WriteError, target, $"{target} has no parent folder.");
        var staging = Path.Combine(parent, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
        try
        {
            Directory.CreateDirectory(parent);
            Directory.CreateDirectory(staging);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full volume: the engine's error, with the target named, not a raw IOException.
            throw new AdapterException(AdapterErrorIds.OutputWriteFailed, LoraErrorCategory.WriteError, target, $"Cannot create a folder beside {target}: {e.Message}", inner: e);
        }

        return staging;
    }

    /// <summary>
    /// A new (or empty) target: the staging folder is renamed to it. An existing one: each file is
    /// replaced by rename, so other files in the folder are left alone and no file is ever half-written.
    /// </summary>
    public static void PublishFolder(string staging, string target, bool overwrite, params string[] files)
    {
        try
        {
            if (Directory.Exists(target) && !Directory.EnumerateFileSystemEntries(target).Any()) Directory.Delete(target);
            if (!Directory.Exists(target))
            {
                Directory.Move(staging, target);
                return;
            }

            if (!overwrite)
            {
                throw new AdapterException(AdapterErrorIds.OutputExists, LoraErrorCategory.ResourceExists, target,
                    $"{target} appeared while the adapter was being written; pass overwrite (-Force) to replace it.");
            }

            foreach (var name in files)
            {
                var from = Path.Combine(staging, name);
                var to = Path.Combine(target, name);
                if (File.Exists(to)) File.Replace(from, to, destinationBackupFileName: null);
                else File.Move(from, to);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AdapterException(AdapterErrorIds.OutputWriteFailed, LoraErrorCategory.WriteError, target,
                $"Cannot move the finished adapter into {target}: {e.Message}", inner: e);
        }
    }

    public static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The staging name is hidden and unique; a leftover never shadows an adapter.
        }
    }
}
