using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Adapters;

namespace LoraLego.Formats.Writing;

/// <summary>
/// The __metadata__ of a written adapter, in header order: "format": "pt" (PEFT and transformers expect
/// it), training metadata carried from a source that still describes the output, what describes the
/// written network (kohya: ss_network_module / dim / alpha, ss_base_model_version and modelspec.* from
/// the family), the consumer's own entries (diffusers: lora_adapter_metadata), then loralego.* provenance.
/// </summary>
internal static class OutputMetadata
{
    public static IReadOnlyDictionary<string, string> Describe(string target, IReadOnlyList<WrittenModule> modules, ConsumerWriter consumer, AdapterWriteOptions options)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        foreach (var kv in TrainingInfo.Carried(options.CarriedMetadata).OrderBy(kv => kv.Key, StringComparer.Ordinal)) metadata[kv.Key] = kv.Value;
        if (consumer.Format == AdapterFormat.Kohya) DescribeFamily(metadata, target, modules, options);
        consumer.AddMetadata(metadata, modules, options);
        return metadata;
    }

    /// <summary><paramref name="described"/> followed by the provenance, each key prefixed "loralego." when it lacks it, sorted.</summary>
    public static Dictionary<string, string> WithProvenance(IReadOnlyDictionary<string, string> described, IReadOnlyDictionary<string, string> provenance)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in described) metadata[kv.Key] = kv.Value;
        var prefixed = provenance.Select(kv => (Key: kv.Key.StartsWith("loralego.", StringComparison.Ordinal) ? kv.Key : "loralego." + kv.Key, kv.Value));
        foreach (var (key, value) in prefixed.OrderBy(kv => kv.Key, StringComparer.Ordinal)) metadata[key] = value;
        return metadata;
    }

    /// <summary>ss_base_model_version and modelspec.* for the family every module belongs to (nothing when unknown or mixed).</summary>
    private static void DescribeFamily(IDictionary<string, string> metadata, string target, IReadOnlyList<WrittenModule> modules, AdapterWriteOptions options)
    {
        var families = modules.Select(m => m.Module.Identity.Family).Where(f => f != ModelFamily.Unknown).Distinct().ToList();
        if (families.Count != 1) return;
        var family = families[0];
        if (TrainingInfo.BaseModelVersionOf(family) is string version) metadata[TrainingInfo.Keys.BaseModelVersion] = version;
        if (family == ModelFamily.StableDiffusion2) metadata["ss_v2"] = "True";

        // SD 2.x comes as 512 and 768-v, which the layers do not tell apart: only a source's statement says which.
        var architecture = TrainingInfo.ArchitectureOf(family)
            ?? (metadata.TryGetValue(TrainingInfo.Keys.Architecture, out var carried) ? carried.Split('/')[0] + "/lora" : null);
        if (architecture is null) return;
        metadata[TrainingInfo.Keys.SpecVersion] = "1.0.0";
        metadata[TrainingInfo.Keys.Architecture] = architecture;
        metadata[TrainingInfo.Keys.Implementation] = TrainingInfo.ImplementationOf(family);
        metadata[TrainingInfo.Keys.Title] = options.Title ?? Path.GetFileNameWithoutExtension(target);
    }
}
