using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Adapters.Flux;
using LoraLego.Units;

namespace LoraLego.Formats;

/// <summary>
/// Output modules in FLUX.1's BFL naming, which kohya, ComfyUI, Forge and A1111 load Flux LoRAs by:
/// diffusers-identified modules (transformer.transformer_blocks.0.attn.to_q, ...) regrouped into the BFL
/// layers they belong to (double_blocks.0.img_attn.qkv). See <see cref="FluxNaming.ToBfl(IReadOnlyList{OutputModule}, Func{IReadOnlyList{OutputModule}, bool}?)"/>.
/// </summary>
public sealed class FluxBflPlan
{
    private readonly Dictionary<string, FluxBflModule> _byName;

    internal FluxBflPlan(IReadOnlyList<FluxBflModule> modules)
    {
        Modules = modules;
        _byName = modules.ToDictionary(m => m.Module.Name, StringComparer.Ordinal);
    }

    /// <summary>What to write, in order: fused/renamed Flux transformer layers and every other module as it was.</summary>
    public IReadOnlyList<FluxBflModule> Modules { get; }

    /// <summary>The modules to declare to the writer (header first).</summary>
    public IReadOnlyList<OutputModule> OutputModules => Modules.Select(m => m.Module).ToList();

    /// <summary>The plan's entry for an output module it declared.</summary>
    public FluxBflModule this[OutputModule output] =>
        _byName.TryGetValue(output.Name, out var m) ? m : throw new ArgumentException($"Module '{output.Name}' is not in this plan.", nameof(output));

    /// <summary>
    /// The <see cref="FluxPartRanks.MetadataKey"/> metadata value for this plan, with each module named by
    /// <paramref name="storedName"/> (BFL path → the key stem the writer uses, e.g. <see cref="FluxNaming.KohyaName"/>),
    /// or null when every fused module is one shared LoRA with all its parts (which reads back as it is).
    /// Written beside the tensors, it makes a fused module of separate LoRAs read back at their own ranks.
    /// </summary>
    public string? PartRanks(Func<string, string> storedName)
    {
        if (storedName is null) throw new ArgumentNullException(nameof(storedName));
        var entries = Modules.Where(m => m.Layer is { IsFused: true } && (!m.SharesA || m.Parts.Count < m.Layer.Parts.Count))
            .Select(m => new KeyValuePair<string, IReadOnlyList<(int Start, int Count)>>(storedName(m.BflPath!), m.PartColumns()))
            .ToList();
        return entries.Count == 0 ? null : FluxPartRanks.Format(entries);
    }

    /// <summary>
    /// The units of <paramref name="output"/>, assembled from its parts' units (each produced once by
    /// <paramref name="produceParts"/>, the writer's producer for the identity-named modules). Exact:
    /// a part's unit keeps its a and scale; its b lands on the part's rows of the BFL layer, zeros elsewhere;
    /// with a shared A, one unit carries every part's b. Modules outside the Flux transformer pass through.
    /// </summary>
    public UnitBlock Produce(OutputModule output, Func<OutputModule, CancellationToken, UnitBlock> produceParts, CancellationToken cancellationToken = default)
    {
        if (produceParts is null) throw new ArgumentNullException(nameof(produceParts));
        var entry = this[output];
        if (entry.Layer is null) return produceParts(entry.Parts[0], cancellationToken);

        var blocks = new List<(UnitBlock Units, RowMap Rows, OutputModule Part)>();
        for (int i = 0; i < entry.Parts.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var part = entry.Parts[i];
            var units = produceParts(part, cancellationToken);
            if (units.InFeatures != part.InFeatures || units.OutFeatures != part.OutFeatures || units.Count != part.Rank)
            {
                throw new AdapterException(AdapterErrorIds.OutputUnitsMismatch, Diagnostics.LoraErrorCategory.InvalidOperation, part.Name,
                    $"Module '{part.Name}': {units.Count} units of {units.OutFeatures}×{units.InFeatures} were produced for a module declared rank {part.Rank}, {part.OutFeatures}×{part.InFeatures}.", part.Name);
            }

            blocks.Add((units, entry.PartRows[i], part));
        }

        return entry.SharesA ? Stacked(entry, blocks) : BlockDiagonal(entry, blocks);
    }

    /// <summary>Ranks add up: A is the parts' As stacked, B block-diagonal on the parts' rows.</summary>
    private static UnitBlock BlockDiagonal(FluxBflModule entry, List<(UnitBlock Units, RowMap Rows, OutputModule Part)> blocks)
    {
        int inF = entry.Module.InFeatures, outF = entry.Module.OutFeatures, n = entry.Module.Rank;
        var a = new float[(long)n * inF];
        var bt = new float[(long)n * outF];
        var scale = new double[n];
        int u = 0;
        foreach (var (units, rows, _) in blocks)
        {
            Array.Copy(units.A, 0, a, (long)u * inF, (long)units.Count * inF);
            Array.Copy(units.Scale, 0, scale, u, units.Count);
            for (int i = 0; i < units.Count; i++) rows.ScatterVector(units.UnitB(i), bt.AsSpan(checked((u + i) * outF), outF));
            u += units.Count;
        }

        return new UnitBlock(inF, outF, a, bt, scale);
    }

    /// <summary>Parts cut from one fused LoRA: one shared A and scale, B the parts' Bs on their rows (rank r, not Σr).</summary>
    private static UnitBlock Stacked(FluxBflModule entry, List<(UnitBlock Units, RowMap Rows, OutputModule Part)> blocks)
    {
        int inF = entry.Module.InFeatures, outF = entry.Module.OutFeatures, n = entry.Module.Rank;
        var first = blocks[0].Units;
        foreach (var (units, _, part) in blocks)
        {
            if (!units.A.AsSpan().SequenceEqual(first.A) || !units.Scale.AsSpan().SequenceEqual(first.Scale))
            {
                throw new AdapterException(AdapterErrorIds.OutputUnitsMismatch, Diagnostics.LoraErrorCategory.InvalidOperation, part.Name,
                    $"Module '{part.Name}' was planned to share its A and scales with '{blocks[0].Part.Name}' in {entry.BflPath}, but its units differ; plan it without sharing.", part.Name);
            }
        }

        var a = (float[])first.A.Clone();
        var bt = new float[(long)n * outF];
        foreach (var (units, rows, _) in blocks)
        {
            for (int i = 0; i < n; i++) rows.ScatterVector(units.UnitB(i), bt.AsSpan(checked(i * outF), outF));
        }

        return new UnitBlock(inF, outF, a, bt, (double[])first.Scale.Clone());
    }
}

/// <summary>One module of a <see cref="FluxBflPlan"/>.</summary>
public sealed class FluxBflModule
{
    internal FluxBflModule(OutputModule module, FluxLayer? layer, IReadOnlyList<OutputModule> parts, IReadOnlyList<RowMap> partRows, bool sharesA)
    {
        Module = module;
        Layer = layer;
        Parts = parts;
        PartRows = partRows;
        SharesA = sharesA;
    }

    /// <summary>
    /// The module to write. For a Flux transformer layer its identity is (Flux1, transformer, BFL path), its
    /// widths the BFL layer's; otherwise the input module itself.
    /// </summary>
    public OutputModule Module { get; }

    /// <summary>The BFL path (double_blocks.0.img_attn.qkv, final_layer.adaLN_modulation.1), or null for a module outside the Flux transformer.</summary>
    public string? BflPath => Layer?.BflPath;

    /// <summary>The identity-named modules it is made of (the present ones; absent parts are zero rows).</summary>
    public IReadOnlyList<OutputModule> Parts { get; }

    /// <summary>True when the parts share one A (rank r); false when their ranks add up (block-diagonal B).</summary>
    public bool SharesA { get; }

    internal FluxLayer? Layer { get; }

    /// <summary>Rows of the BFL layer each part fills.</summary>
    internal IReadOnlyList<RowMap> PartRows { get; }

    /// <summary>
    /// Per part of the BFL layer (its row order), the written ranks it uses as [start, count]: all of them
    /// when the parts share A, its own block when ranks add up, [0, 0] for a part with no module.
    /// </summary>
    public IReadOnlyList<(int Start, int Count)> PartColumns()
    {
        if (Layer is null) return new[] { (0, Module.Rank) };
        var result = new List<(int, int)>();
        int next = 0;
        foreach (var layerPart in Layer.Parts)
        {
            int i = PartRows.ToList().IndexOf(layerPart.Rows);
            if (i < 0) result.Add((0, 0));
            else if (SharesA) result.Add((0, Module.Rank));
            else
            {
                result.Add((next, Parts[i].Rank));
                next += Parts[i].Rank;
            }
        }

        return result;
    }

    public override string ToString() => BflPath is null ? Module.ToString() : $"{BflPath} r={Module.Rank} from {string.Join(", ", Parts.Select(p => p.Name))}";
}

/// <summary>
/// FLUX.1 names for writers: identity (diffusers) → BFL. Renamed layers map one to one
/// (attn.to_out.0 → img_attn.proj); split layers are fused back (to_q/to_k/to_v → img_attn.qkv,
/// to_q/to_k/to_v/proj_mlp → linear1), exactly; norm_out.linear gets its shift/scale halves swapped back.
/// </summary>
public static class FluxNaming
{
    /// <summary>The kohya module name of a BFL path (lora_unet_double_blocks_0_img_attn_qkv), as sd-scripts and ComfyUI name it.</summary>
    public static string KohyaName(string bflPath) => "lora_unet_" + bflPath.Replace('.', '_');

    /// <summary>The BFL layer a FLUX.1 transformer identity is part of (null for any other identity).</summary>
    public static string? BflPathOf(ModuleIdentity identity) => FluxLayout.PartOf(identity) is FluxPart p && identity.Family == ModelFamily.Flux1 ? p.Layer.BflPath : null;

    /// <summary>
    /// Groups <paramref name="modules"/> by the BFL layer they belong to. Each group becomes one module:
    /// rank Σ r_p (stacked As, block-diagonal B: the parts' units side by side), or rank r when
    /// <paramref name="partsShareA"/> says the group's parts share one A and scale (they were cut from one
    /// fused LoRA). Absent parts are zero rows. Modules that are not FLUX.1 transformer layers pass through.
    /// The plan is fixed before any unit exists, so a writer can declare its header first.
    /// </summary>
    public static FluxBflPlan ToBfl(IReadOnlyList<OutputModule> modules, Func<IReadOnlyList<OutputModule>, bool>? partsShareA = null)
    {
        if (modules is null) throw new ArgumentNullException(nameof(modules));
        var groups = new Dictionary<FluxLayer, List<(OutputModule Module, FluxPart Part)>>();
        var order = new List<object>();
        foreach (var m in modules)
        {
            var part = m.Identity.Family == ModelFamily.Flux1 ? FluxLayout.PartOf(m.Identity) : null;
            if (part is null || m.Kind != ModuleKind.Linear)
            {
                order.Add(m);
                continue;
            }

            if (m.InFeatures != part.InFeatures || m.OutFeatures != part.OutFeatures)
            {
                throw new AdapterException(AdapterErrorIds.OutputModuleInvalid, Diagnostics.LoraErrorCategory.InvalidArgument, m.Name,
                    $"Module '{m.Name}' is {m.OutFeatures}×{m.InFeatures}; FLUX.1's {part.Path} is {part.OutFeatures}×{part.InFeatures}.", m.Name);
            }

            if (!groups.TryGetValue(part.Layer, out var list))
            {
                list = new List<(OutputModule, FluxPart)>();
                groups.Add(part.Layer, list);
                order.Add(part.Layer);
            }

            list.Add((m, part));
        }

        var result = new List<FluxBflModule>();
        foreach (var item in order)
        {
            if (item is OutputModule plain)
            {
                result.Add(new FluxBflModule(plain, null, new[] { plain }, Array.Empty<RowMap>(), sharesA: true));
                continue;
            }

            var layer = (FluxLayer)item;
            // In the layer's row order (q, k, v, mlp), whatever order the inputs came in.
            var parts = groups[layer].OrderBy(p => layer.Parts.ToList().IndexOf(p.Part)).ToList();
            var outputs = parts.Select(p => p.Module).ToList();
            bool shared = outputs.Count == 1
                || (outputs.All(o => o.Rank == outputs[0].Rank) && partsShareA is not null && partsShareA(outputs));
            int rank = shared ? outputs[0].Rank : outputs.Sum(o => o.Rank);
            var identity = new ModuleIdentity(ModelFamily.Flux1, ModelComponent.Transformer, layer.BflPath);
            var module = new OutputModule(identity.Key, ModuleKind.Linear, layer.InFeatures, layer.OutFeatures, rank, identity: identity);
            result.Add(new FluxBflModule(module, layer, outputs, parts.Select(p => p.Part.Rows).ToList(), shared));
        }

        return new FluxBflPlan(result);
    }

    /// <summary>
    /// The plan for writing these modules as they are (Convert): output modules like the sources, parts
    /// cut from one fused LoRA fused back at their rank (<see cref="PartsShareA"/>). Produce units with
    /// each source's <see cref="LoraModule.ReadUnits(double)"/>.
    /// </summary>
    public static FluxBflPlan ToBfl(IReadOnlyList<LoraModule> sources)
    {
        if (sources is null) throw new ArgumentNullException(nameof(sources));
        var bySource = new Dictionary<string, LoraModule>(StringComparer.Ordinal);
        var outputs = new List<OutputModule>();
        foreach (var s in sources)
        {
            outputs.Add(OutputModule.Like(s, s.Rank));
            bySource[s.Name] = s;
        }

        return ToBfl(outputs, parts => PartsShareA(parts.Select(p => bySource[p.Name]).ToList()));
    }

    /// <summary>
    /// True when the modules have one rank, one scale and bitwise equal A factors: what the parts of one
    /// fused LoRA have (whatever file they were read from), so they fuse back to that rank exactly.
    /// </summary>
    public static bool PartsShareA(IReadOnlyList<LoraModule> parts)
    {
        if (parts is null) throw new ArgumentNullException(nameof(parts));
        if (parts.Count < 2) return true;
        var first = parts[0];
        if (parts.Any(p => p.Rank != first.Rank || p.InFeatures != first.InFeatures || p.Scale != first.Scale)) return false;

        // Parts of one stored pair read the same A tensor of the same file: equal without reading.
        // (Not parts that each take their own block of ranks: sd-scripts' split_qkv files.)
        if (parts.All(p => p.Factors is PartFactors { IsBlock: false } && ReferenceEquals(p.Adapter.TensorFile, first.Adapter.TensorFile) && p.AKey == first.AKey)) return true;

        var a0 = first.ReadUnits().A;
        return parts.Skip(1).All(p => p.ReadUnits().A.AsSpan().SequenceEqual(a0));
    }
}
