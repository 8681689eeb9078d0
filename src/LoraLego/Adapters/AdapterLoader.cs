using System;
using System.IO;
using System.Linq;
using LoraLego.Diagnostics;
using LoraLego.Formats;
using LoraLego.SafeTensors;

namespace LoraLego.Adapters;

/// <summary>
/// Loads an adapter from a PEFT folder, a folder holding one kohya/diffusers file, or a
/// .safetensors file; the format is recognised from the tensor keys, never from the file name.
/// </summary>
public static class AdapterLoader
{
    // Generic file names say nothing about the adapter; its folder's name does.
    private static readonly string[] GenericFileNames = { "adapter_model", "pytorch_lora_weights", "diffusion_pytorch_model", "model" };

    public static LoraAdapter Load(string path, string? name = null)
    {
        if (path is null) throw new ArgumentNullException(nameof(path));
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full)) return LoadFolder(full.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar), name);
        if (File.Exists(full)) return LoadFile(full, name);
        throw new AdapterException(AdapterErrorIds.AdapterNotFound, LoraErrorCategory.ObjectNotFound, full, $"No adapter at {full}: no such file or folder.");
    }

    private static LoraAdapter LoadFolder(string folder, string? name)
    {
        if (File.Exists(System.IO.Path.Combine(folder, PeftReader.ConfigFileName))) return PeftReader.Read(folder, name);

        var files = Directory.GetFiles(folder, "*.safetensors").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (files.Length == 1) return LoadFile(files[0], name ?? System.IO.Path.GetFileName(folder), loadedPath: folder);
        if (files.Length > 1)
        {
            throw new AdapterException(AdapterErrorIds.AdapterFolderAmbiguous, LoraErrorCategory.InvalidArgument, folder,
                $"{folder} holds {files.Length} .safetensors files and no {PeftReader.ConfigFileName} ({string.Join(", ", files.Select(System.IO.Path.GetFileName))}); name the file to load.");
        }

        var pickle = Directory.GetFiles(folder, "*.bin").OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault();
        if (pickle is not null) throw PeftReader.LegacyPickle(pickle);
        // A folder of adapter folders is a common slip: say how to load them all.
        var inside = Directory.GetDirectories(folder).Where(d => File.Exists(System.IO.Path.Combine(d, PeftReader.ConfigFileName)))
            .Select(System.IO.Path.GetFileName).OrderBy(d => d, StringComparer.Ordinal).Take(4).ToList();
        var hint = inside.Count == 0 ? string.Empty
            : $" It holds adapter folders ({string.Join(", ", inside)}{(inside.Count == 4 ? ", ..." : string.Empty)}): load them with '{System.IO.Path.Combine(folder, "*")}'.";
        throw new AdapterException(AdapterErrorIds.AdapterNotFound, LoraErrorCategory.ObjectNotFound, folder,
            $"{folder} holds no adapter: neither {PeftReader.ConfigFileName} nor a .safetensors file.{hint}");
    }

    private static LoraAdapter LoadFile(string file, string? name, string? loadedPath = null)
    {
        var folder = System.IO.Path.GetDirectoryName(file) ?? ".";
        var fileName = System.IO.Path.GetFileName(file);
        if (string.Equals(fileName, PeftReader.ConfigFileName, StringComparison.OrdinalIgnoreCase)) return PeftReader.Read(folder, name);
        if (file.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".pt", StringComparison.OrdinalIgnoreCase)
            || file.EndsWith(".pth", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase))
            throw PeftReader.LegacyPickle(file);

        var tensors = GitLfsPointer.Open(file);
        var keys = tensors.Tensors.Select(t => t.Name).ToList();
        name ??= DefaultName(file);
        loadedPath ??= file;

        if (keys.Any(PeftReader.IsPeftKey))
        {
            if (File.Exists(System.IO.Path.Combine(folder, PeftReader.ConfigFileName))) return PeftReader.Read(folder, name, file, loadedPath);
            throw new AdapterException(AdapterErrorIds.AdapterNotFound, LoraErrorCategory.ObjectNotFound, file,
                $"{file} holds PEFT LoRA tensors but {PeftReader.ConfigFileName} is missing beside it; its ranks and alphas are in that file.");
        }

        if (KeyStyles.For(keys) is KeyStyle style) return style.Read(tensors, name, loadedPath);

        var sample = string.Join(", ", keys.Take(3));
        throw new AdapterException(AdapterErrorIds.AdapterFormatUnknown, LoraErrorCategory.InvalidData, file,
            $"{file} is a safetensors file but not a LoRA adapter LoraLego knows (PEFT lora_A/lora_B, kohya lora_down/lora_up, diffusers lora.down/lora.up); " +
            (keys.Count == 0 ? "it holds no tensors." : $"first keys: {sample}."));
    }

    private static string DefaultName(string file)
    {
        var stem = System.IO.Path.GetFileNameWithoutExtension(file);
        if (GenericFileNames.Contains(stem, StringComparer.OrdinalIgnoreCase))
        {
            var parent = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(file));
            if (!string.IsNullOrEmpty(parent)) return parent!;
        }

        return stem;
    }
}
