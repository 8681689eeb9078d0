using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;

namespace LoraLego.Formats.Families;

/// <summary>
/// A model family's layers, read in both directions: every format's name for a layer → the layer's
/// <see cref="ModuleIdentity"/>, and an identity → the name each consumer expects. One instance per
/// family, registered in <see cref="FamilyLayouts"/>. Families whose layers are renamed by more than
/// flattening (Flux's fused layers) override the kohya lookups.
/// </summary>
public class FamilyLayout
{
    private readonly Lazy<IReadOnlyList<ComponentLayout>> _componentList;
    private readonly Lazy<Dictionary<string, ComponentLayout>> _components;
    private readonly Lazy<Dictionary<string, ModuleIdentity>> _kohya;
    private readonly HashSet<string> _roots;
    private readonly string[] _hints;

    public FamilyLayout(ModelFamily family, IEnumerable<ComponentLayout> components, IEnumerable<string> hints)
        : this(family, components.ToList(), null, hints)
    {
    }

    /// <summary>
    /// A layout whose components are built on first use: <paramref name="roots"/> (the first segment of
    /// every layer path: down_blocks, text_model, ...) lets a path of another model be turned away
    /// without building them, so reading a language model's adapter never pays for the SD layouts.
    /// </summary>
    public FamilyLayout(ModelFamily family, Func<IEnumerable<ComponentLayout>> components, IEnumerable<string> roots, IEnumerable<string> hints)
        : this(family, null, new Lazy<IReadOnlyList<ComponentLayout>>(() => components().ToList().AsReadOnly(), LazyThreadSafetyMode.ExecutionAndPublication), hints, roots)
    {
    }

    private FamilyLayout(ModelFamily family, List<ComponentLayout>? eager, Lazy<IReadOnlyList<ComponentLayout>>? lazy, IEnumerable<string> hints, IEnumerable<string>? roots = null)
    {
        Family = family;
        _componentList = lazy ?? new Lazy<IReadOnlyList<ComponentLayout>>(() => eager!.AsReadOnly());
        _components = new Lazy<Dictionary<string, ComponentLayout>>(() => Components.ToDictionary(c => c.Component, StringComparer.Ordinal), LazyThreadSafetyMode.ExecutionAndPublication);
        _roots = new HashSet<string>(roots ?? eager!.SelectMany(c => c.Paths).Select(FamilyRoots.FirstSegment), StringComparer.Ordinal);
        _hints = hints.ToArray();
        _kohya = new Lazy<Dictionary<string, ModuleIdentity>>(BuildKohyaNames, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public ModelFamily Family { get; }

    public IReadOnlyList<ComponentLayout> Components => _componentList.Value;

    public ComponentLayout? Component(string component) => _components.Value.TryGetValue(component, out var c) ? c : null;

    /// <summary>True unless the path's first segment is none of the family's (then no component has it).</summary>
    public bool MayHave(string path) => _roots.Contains(FamilyRoots.FirstSegment(path));

    /// <summary>The identity of <paramref name="path"/> in <paramref name="component"/>, or null when the family has no such layer.</summary>
    public ModuleIdentity? Find(string component, string path) =>
        MayHave(path) && _components.Value.TryGetValue(component, out var c) && c.Contains(path) ? new ModuleIdentity(Family, component, path) : null;

    /// <summary>
    /// The identity of a layer path given without its component (a PEFT folder holds one component and
    /// does not name it): the component that has the path, preferring one whose layer fits the module's
    /// widths (SDXL's two text encoders share paths text_model.encoder.layers.0-11).
    /// </summary>
    public ModuleIdentity? FindInAnyComponent(string path, ModuleKind kind, int inFeatures, int outFeatures)
    {
        if (!MayHave(path)) return null;
        ComponentLayout? first = null;
        foreach (var c in Components)
        {
            if (!c.Layers.TryGetValue(path, out var shape)) continue;
            if (shape.Fits(kind, inFeatures, outFeatures)) return new ModuleIdentity(Family, c.Component, path);
            first ??= c;
        }

        return first is null ? null : new ModuleIdentity(Family, first.Component, path);
    }

    /// <summary>The layer's shape, or null when the identity is not a layer of this family.</summary>
    public virtual LayerShape? ShapeOf(ModuleIdentity identity) => Component(identity.Component)?.ShapeOf(identity.Path);

    /// <summary>
    /// The modules a stored module stands for: itself, unless its identity is a layer the family's
    /// identities split (a fused qkv stands for to_q, to_k, to_v: the family returns one factor source per part).
    /// </summary>
    internal virtual IEnumerable<(ModuleIdentity Identity, FactorSource Factors)> Expand(ModuleIdentity identity, FactorSource factors)
    {
        yield return (identity, factors);
    }

    /// <summary>
    /// The identity a kohya module name (lora_unet_down_blocks_0_..., lora_te1_text_model_...) stands for,
    /// or null. An exact lookup among the names the family's layers flatten to: underscores are never guessed apart.
    /// </summary>
    public virtual ModuleIdentity? FromKohya(string kohyaName) => _kohya.Value.TryGetValue(kohyaName, out var id) ? id : null;

    /// <summary>
    /// The kohya module name sd-scripts, ComfyUI and A1111 map to <paramref name="identity"/>
    /// (SDXL UNet layers by their SGM names), or null when the identity is not a layer of this family.
    /// </summary>
    public virtual string? KohyaName(ModuleIdentity identity)
    {
        var c = Component(identity.Component);
        if (c is null || !c.Contains(identity.Path)) return null;
        var path = c.KohyaUsesOriginalNames ? c.OriginalName(identity.Path) ?? identity.Path : identity.Path;
        return Flatten(c.KohyaPrefix, path);
    }

    /// <summary>True when a base-model name or version string from a file's metadata names this family.</summary>
    public bool MatchesHint(string? text) =>
        !string.IsNullOrEmpty(text) && _hints.Any(h => text!.IndexOf(h, StringComparison.OrdinalIgnoreCase) >= 0);

    public override string ToString() => Family.ToString();

    /// <summary>prefix_path with dots as underscores: how kohya names a module.</summary>
    public static string Flatten(string prefix, string path) => prefix + "_" + path.Replace('.', '_');

    private Dictionary<string, ModuleIdentity> BuildKohyaNames()
    {
        var names = new Dictionary<string, ModuleIdentity>(StringComparer.Ordinal);
        foreach (var c in Components)
        {
            foreach (var path in c.Paths)
            {
                var id = new ModuleIdentity(Family, c.Component, path);
                names[Flatten(c.KohyaPrefix, path)] = id;
                if (c.OriginalName(path) is string original) names[Flatten(c.KohyaPrefix, original)] = id;
            }
        }

        return names;
    }
}
