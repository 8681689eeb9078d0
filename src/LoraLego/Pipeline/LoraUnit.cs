using System;
using System.Collections.Generic;
using LoraLego.Adapters;

namespace LoraLego.Pipeline;

/// <summary>
/// A Minimal Semantic Unit: one rank of one module, the pair (b, a) with its scale, so the unit's
/// delta is Scale · b aᵀ. A unit split from an adapter holds only a reference to its module and
/// reads its vectors on demand; a computed unit (a centroid, a merged unit) owns its vectors.
/// </summary>
public sealed class LoraUnit
{
    private readonly float[]? _a;
    private readonly float[]? _b;
    private double? _norm;

    /// <summary>A unit of an adapter's module; <paramref name="weight"/> multiplies the module's scale.</summary>
    public LoraUnit(LoraModule source, int index, double weight)
    {
        if (index < 0 || index >= source.Rank) throw new ArgumentOutOfRangeException(nameof(index));
        Source = source;
        Template = source;
        Adapter = source.Adapter.Name;
        Index = index;
        Weight = weight;
        Scale = source.Scale * weight;
        Method = "Source";
        Origins = new[] { source.Adapter };
        MadeWith = new Dictionary<string, string>();
    }

    /// <summary>A computed unit owning its vectors; <paramref name="template"/> names and shapes its module.</summary>
    public LoraUnit(string adapter, LoraModule template, int index, float[] a, float[] b, double scale, string method,
        IReadOnlyList<LoraAdapter> origins, IReadOnlyDictionary<string, string> madeWith, ClusterDetails? cluster = null)
    {
        if (a.Length != template.InFeatures) throw new ArgumentException($"a has {a.Length} values; module '{template.Name}' takes {template.InFeatures}.", nameof(a));
        if (b.Length != template.OutFeatures) throw new ArgumentException($"b has {b.Length} values; module '{template.Name}' gives {template.OutFeatures}.", nameof(b));
        Template = template;
        Adapter = adapter;
        Index = index;
        Weight = 1.0;
        Scale = scale;
        Method = method;
        Cluster = cluster;
        Origins = origins;
        MadeWith = madeWith;
        _a = a;
        _b = b;
    }

    /// <summary>Name of the adapter the unit comes from (for centroids, the stage that made them).</summary>
    public string Adapter { get; }

    public string Module => Template.Name;

    /// <summary>The module's layer: the first numeric component of its path, or null.</summary>
    public string? Layer => ModuleLayers.LayerOf(Template.Name);

    public int Index { get; }

    /// <summary>The unit's scale: the module's α/r (α/√r with rsLoRA) times <see cref="Weight"/>.</summary>
    public double Scale { get; }

    public double Weight { get; }

    public int InFeatures => Template.InFeatures;

    public int OutFeatures => Template.OutFeatures;

    /// <summary>"Source" for units split from an adapter, else the method that made the unit.</summary>
    public string Method { get; }

    /// <summary>Frobenius norm of Scale · b aᵀ, which is |Scale|·‖a‖·‖b‖.</summary>
    public double Norm => _norm ??= Math.Abs(Scale) * (Source is null
        ? ModuleFactorCache.Norm2(_a) * ModuleFactorCache.Norm2(_b)
        : ModuleFactorCache.UnitNorms(Source)[Index]);

    /// <summary>The adapter module this unit was split from; null for computed units.</summary>
    public LoraModule? Source { get; }

    /// <summary>The module that names and shapes the unit when it is written.</summary>
    public LoraModule Template { get; }

    public ClusterDetails? Cluster { get; }

    /// <summary>The adapters the unit was made from (its own adapter for a split unit; a cluster's members' adapters).</summary>
    public IReadOnlyList<LoraAdapter> Origins { get; }

    /// <summary>The method and options that made a computed unit (empty for split units), kept for provenance.</summary>
    public IReadOnlyDictionary<string, string> MadeWith { get; }

    public bool IsCentroid => Cluster is not null;

    public int ClusterIndex => Cluster?.Cluster ?? -1;

    public int MemberCount => Cluster?.MemberCount ?? 1;

    public IReadOnlyList<UnitMember> Members => Cluster?.Members ?? new[] { new UnitMember(Adapter, Module, Index) };

    public double Inertia => Cluster?.Inertia ?? 0.0;

    /// <summary>The unit's a (a row of lora_A), without the scale: a copy, read on demand.</summary>
    public float[] GetA() => _a is null ? ModuleFactorCache.Read(Source!).UnitA(Index).ToArray() : (float[])_a.Clone();

    /// <summary>The unit's b (a column of lora_B), without the scale: a copy, read on demand.</summary>
    public float[] GetB() => _b is null ? ModuleFactorCache.Read(Source!).UnitB(Index).ToArray() : (float[])_b.Clone();

    internal ReadOnlySpan<float> SpanA(Units.UnitBlock? sourceBlock) => _a ?? sourceBlock!.UnitA(Index);

    internal ReadOnlySpan<float> SpanB(Units.UnitBlock? sourceBlock) => _b ?? sourceBlock!.UnitB(Index);

    /// <summary>As <see cref="SpanA"/>, for holding on to while a module is written.</summary>
    internal ReadOnlyMemory<float> MemoryA(Units.UnitBlock? sourceBlock) =>
        _a ?? new ReadOnlyMemory<float>(sourceBlock!.A, Index * sourceBlock.InFeatures, sourceBlock.InFeatures);

    /// <summary>As <see cref="SpanB"/>, for holding on to while a module is written.</summary>
    internal ReadOnlyMemory<float> MemoryB(Units.UnitBlock? sourceBlock) =>
        _b ?? new ReadOnlyMemory<float>(sourceBlock!.BT, Index * sourceBlock.OutFeatures, sourceBlock.OutFeatures);

    public override string ToString() => $"{Adapter}:{Module}#{Index}";
}
