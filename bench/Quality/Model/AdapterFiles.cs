using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Units;

namespace LoraLego.Bench.Quality.Model;

/// <summary>
/// Trained LoRAs go through the project's own PEFT writer and reader before they are merged, so the
/// benchmark merges exactly what a user would load from disk (adapter_model.safetensors + adapter_config.json).
/// </summary>
internal static class AdapterFiles
{
    public const string BaseModelName = "loralego-bench/mlp";

    /// <summary>Writes one LoRA (one unit block per layer; empty blocks are skipped) as a PEFT adapter folder.</summary>
    public static string Write(Network net, IReadOnlyList<UnitBlock?> lora, string folder, IReadOnlyDictionary<string, string> provenance)
    {
        var blocks = new Dictionary<string, UnitBlock>(StringComparer.Ordinal);
        var modules = new List<OutputModule>();
        for (int l = 0; l < net.Layers; l++)
        {
            if (lora[l] is not { Count: > 0 } block) continue;
            string name = net.ModuleName(l);
            blocks[name] = block;
            modules.Add(new OutputModule(name, ModuleKind.Linear, net.InFeatures(l), net.OutFeatures(l), block.Count));
        }

        var options = new AdapterWriteOptions { Format = AdapterFormat.Peft, Overwrite = true, BaseModel = BaseModelName, Provenance = provenance };
        return AdapterWriter.Write(folder, modules, (m, _) => blocks[m.Name], options);
    }

    /// <summary>Reads a PEFT adapter folder back into one unit block per layer of <paramref name="net"/> (null where it has none).</summary>
    public static UnitBlock?[] Read(Network net, string folder)
    {
        var adapter = AdapterLoader.Load(folder);
        var byName = adapter.Modules.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var layers = new UnitBlock?[net.Layers];
        for (int l = 0; l < net.Layers; l++)
        {
            if (byName.TryGetValue(net.ModuleName(l), out var module)) layers[l] = module.ReadUnits();
        }

        if (byName.Count != layers.Count(b => b is not null))
            throw new InvalidDataException($"{folder}: modules {string.Join(", ", byName.Keys)} do not match the network's layers.");
        return layers;
    }

    /// <summary>Writes then reads back: the LoRA as the project's file format round trip delivers it.</summary>
    public static UnitBlock?[] RoundTrip(Network net, IReadOnlyList<UnitBlock?> lora, string folder, IReadOnlyDictionary<string, string> provenance) =>
        Read(net, Write(net, lora, folder, provenance));
}
