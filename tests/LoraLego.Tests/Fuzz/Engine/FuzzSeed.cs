using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace LoraLego.Fuzzing;

/// <summary>
/// A valid adapter held in memory: its files by name (a PEFT folder has adapter_config.json and
/// adapter_model.safetensors; kohya and diffusers adapters are one .safetensors file).
/// </summary>
public sealed class FuzzSeed
{
    public FuzzSeed(string name, IReadOnlyDictionary<string, byte[]> files, string tensorFile)
    {
        Name = name;
        Files = files;
        TensorFile = tensorFile;
    }

    public string Name { get; }

    public IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary>The .safetensors file among <see cref="Files"/>.</summary>
    public string TensorFile { get; }

    public const string ConfigFile = "adapter_config.json";

    public bool HasConfig => Files.ContainsKey(ConfigFile);

    /// <summary>Reads a PEFT folder or a lone .safetensors file from disk (read-only).</summary>
    public static FuzzSeed FromDisk(string name, string path)
    {
        if (File.Exists(path))
        {
            return new FuzzSeed(name, new Dictionary<string, byte[]> { [Path.GetFileName(path)] = File.ReadAllBytes(path) }, Path.GetFileName(path));
        }

        var files = Directory.GetFiles(path)
            .Where(f => f.EndsWith(".safetensors", StringComparison.Ordinal) || Path.GetFileName(f) == ConfigFile)
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes, StringComparer.Ordinal);
        var tensor = files.Keys.Single(k => k.EndsWith(".safetensors", StringComparison.Ordinal));
        return new FuzzSeed(name, files, tensor);
    }

    /// <summary>The same adapter with some files replaced.</summary>
    public Dictionary<string, byte[]> FilesWith(string file, byte[] bytes)
    {
        var copy = new Dictionary<string, byte[]>(Files, StringComparer.Ordinal) { [file] = bytes };
        return copy;
    }

    public override string ToString() => Name;
}
