using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Units;

namespace LoraLego.Bench.LanguageModel.Model;

/// <summary>
/// LoRAs go to disk through the project's PEFT writer and come back through AdapterLoader, so merges
/// see exactly what a user would load (adapter_model.safetensors + adapter_config.json).
/// </summary>
internal static class AdapterFolders
{
    public const string BaseModelName = "loralego-bench/byte-transformer";

    public static string Write(ModelConfig config, IReadOnlyDictionary<string, UnitBlock> blocks, string folder, IReadOnlyDictionary<string, string> provenance)
    {
        var modules = config.TargetModules().Where(m => blocks.TryGetValue(m.Name, out var b) && b.Count > 0)
            .Select(m => new OutputModule(m.Name, ModuleKind.Linear, m.In, m.Out, blocks[m.Name].Count)).ToList();
        var options = new AdapterWriteOptions { Format = AdapterFormat.Peft, Overwrite = true, BaseModel = BaseModelName, Provenance = provenance };
        return AdapterWriter.Write(folder, modules, (m, _) => blocks[m.Name], options);
    }

    /// <summary>Reads a PEFT folder back as one unit block per module (names as the model uses them).</summary>
    public static Dictionary<string, UnitBlock> Read(string folder)
    {
        var adapter = AdapterLoader.Load(folder);
        return adapter.Modules.ToDictionary(m => m.Name, m => m.ReadUnits(), StringComparer.Ordinal);
    }
}
