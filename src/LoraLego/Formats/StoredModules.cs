using System.Collections.Generic;
using LoraLego.Adapters;
using LoraLego.Formats.Families;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>The steps every reader shares around <see cref="FamilyMatch"/>: describe a stored pair, then settle the adapter's family.</summary>
internal static class StoredModules
{
    /// <summary>A stored A/B pair, checked (<see cref="FactorShapes.Classify"/>) and described for family matching.</summary>
    public static StoredModule Of(string file, string module, TensorInfo a, TensorInfo b, bool embedding)
    {
        var kind = FactorShapes.Classify(file, module, a, b, embedding);
        long inFeatures = 1;
        for (int i = 1; i < a.Shape.Count; i++) inFeatures *= a.Shape[i];
        return new StoredModule(module, kind, checked((int)inFeatures), checked((int)b.Shape[0]));
    }

    /// <summary>The module(s) a stored module becomes: one, unless the family splits its identity (<see cref="FamilyLayout.Expand"/>).</summary>
    public static IEnumerable<LoraModule> Create(LoraAdapter adapter, FamilyMatch match, ModuleIdentity identity, string storedName, ModuleKind kind,
        FactorSource factors, double alpha, double scale, string? alphaKey)
    {
        if (match.Layout is null || identity.Family != match.Layout.Family)
        {
            yield return new LoraModule(adapter, identity, storedName, kind, factors, alpha, scale, alphaKey);
            yield break;
        }

        foreach (var (id, part) in match.Layout.Expand(identity, factors))
            yield return new LoraModule(adapter, id, storedName, kind, part, alpha, scale, alphaKey);
    }

    /// <summary>
    /// Gives the adapter its family (Unknown when no module has a family's identity), attaches the
    /// modules and extras, and adds the warning naming modules the family does not name.
    /// </summary>
    public static void Finish(LoraAdapter adapter, FamilyMatch match, IReadOnlyList<StoredModule> stored, IReadOnlyList<LoraModule> modules,
        IEnumerable<ExtraTensor> extras, IEnumerable<string>? otherWarnings = null, ModelFamily fallback = ModelFamily.Unknown)
    {
        if (match.Layout is not null) adapter.SetFamily(match.Layout.Family, match.Compatible);
        else adapter.SetFamily(fallback, new[] { fallback });
        adapter.Attach(modules, extras);
        var warnings = new List<string>(otherWarnings ?? System.Array.Empty<string>());
        if (match.UnmappedWarning(adapter.TensorFilePath, stored) is string w) warnings.Add(w);
        adapter.Warnings = warnings;
    }
}
