using System;
using System.Collections.Generic;
using System.Threading;
using System.Globalization;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Adapters.Flux;
using LoraLego.Diagnostics;

namespace LoraLego.Formats.Writing;

/// <summary>
/// One kohya .safetensors file for A1111, Forge, ComfyUI and sd-scripts: per module
/// <c>&lt;name&gt;.lora_down.weight</c>, <c>.lora_up.weight</c> and a rank-0 F32 <c>.alpha</c> stating its
/// scale as alpha/r, so a source's factors are written unchanged; ss_network_dim / ss_network_alpha
/// are "Dynamic" where modules differ, as sd-scripts' resize writes them.
/// </summary>
internal sealed class KohyaWriter : ConsumerWriter
{
    // The Flux regrouping of this write (one writer per write), for the metadata that describes it.
    private FluxBflPlan? _fluxPlan;

    public override AdapterFormat Format => AdapterFormat.Kohya;

    public override IReadOnlyList<WrittenModule> Layout(IReadOnlyList<OutputModule> modules, AdapterWriteOptions options, string target) =>
        modules.Select(m => Layout(m, target)).ToList();

    /// <summary>
    /// FLUX.1 transformer modules become the BFL layers kohya names (split to_q/to_k/to_v fused back into
    /// qkv and linear1, exactly: <see cref="FluxNaming.ToBfl(IReadOnlyList{OutputModule}, Func{IReadOnlyList{OutputModule}, bool}?)"/>).
    /// A layer whose parts share one scale keeps it (and their alpha, when they share an A), so their factors go out unchanged.
    /// </summary>
    public override (IReadOnlyList<OutputModule> Modules, Func<OutputModule, CancellationToken, FoldedFactors> Produce) Regroup(
        IReadOnlyList<OutputModule> modules, Func<OutputModule, CancellationToken, FoldedFactors> produce, AdapterWriteOptions options)
    {
        if (!modules.Any(m => FluxNaming.BflPathOf(m.Identity) is not null)) return (modules, produce);
        var plan = FluxNaming.ToBfl(modules, options.PartsShareA);
        _fluxPlan = plan;
        var entries = new Dictionary<string, FluxBflModule>(StringComparer.Ordinal);
        var written = new List<OutputModule>();
        foreach (var entry in plan.Modules)
        {
            var m = entry.BflPath is null ? entry.Module : WithPartsScale(entry);
            entries[m.Name] = entry;
            written.Add(m);
        }

        return (written, (m, ct) =>
        {
            var entry = entries[m.Name];
            if (entry.BflPath is null) return produce(m, ct);
            return FoldedFactors.Of(m, plan.Produce(entry.Module, (part, token) => produce(part, token).ToUnits(), ct));
        });
    }

    public override void AddMetadata(IDictionary<string, string> metadata, IReadOnlyList<WrittenModule> modules, AdapterWriteOptions options)
    {
        var ranks = modules.Select(m => m.Module.Rank).Distinct().ToList();
        var alphas = modules.Select(m => m.StoredAlpha).Distinct().ToList();
        metadata[TrainingInfo.Keys.NetworkModule] = "networks.lora";
        metadata[TrainingInfo.Keys.NetworkDim] = ranks.Count == 1 ? ranks[0].ToString(CultureInfo.InvariantCulture) : TrainingInfo.Dynamic;
        metadata[TrainingInfo.Keys.NetworkAlpha] = alphas.Count == 1 ? ((double)alphas[0]).ToString("R", CultureInfo.InvariantCulture) : TrainingInfo.Dynamic;

        // Which ranks of each fused Flux layer are whose, so that it reads back as its parts at their own ranks.
        if (_fluxPlan?.PartRanks(FluxNaming.KohyaName) is string partRanks) metadata[FluxPartRanks.MetadataKey] = partRanks;
    }

    private static OutputModule WithPartsScale(FluxBflModule entry)
    {
        var m = entry.Module;
        var first = entry.Parts[0];
        if (entry.Parts.Any(p => p.Scale != first.Scale)) return m;
        double alpha = entry.SharesA && entry.Parts.All(p => p.Alpha == first.Alpha) ? first.Alpha : first.Scale * m.Rank;
        return new OutputModule(m.Name, m.Kind, m.InFeatures, m.OutFeatures, m.Rank, null, m.Identity, alpha, first.Scale);
    }

    private WrittenModule Layout(OutputModule m, string target)
    {
        if (m.Kind == ModuleKind.Embedding)
            throw Unmapped(m, target, "it is an embedding LoRA and kohya files have no embedding modules. Write it as Peft.");
        var name = KohyaNames.For(m.Identity, out var why) ?? throw Unmapped(m, target, why);

        // alpha/r with alpha an F32: the source's alpha where it is one (then the factors go out as they are).
        float alpha = (float)StatedScale.LinearAlpha(m);
        if (alpha == 0 || float.IsInfinity(alpha) || float.IsNaN(alpha)) alpha = m.Rank;
        return new WrittenModule(m, name + ".lora_down.weight", name + ".lora_up.weight", name + ".alpha", (double)alpha / m.Rank, alpha);
    }
}
