using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Diagnostics;

namespace LoraLego.Adapters;

/// <summary>
/// Adapters meet module for module only when they adapt one base model: mixing families in one
/// merge, cluster or measurement is refused (ModelFamilyMismatch), never silently unioned. An adapter
/// whose keys no layout recognises (family Unknown) joins a known family only when every one of its
/// module names is a module of the others (the same key style, so the names mean the same layers).
/// </summary>
public static class FamilyCheck
{
    /// <summary>Throws ModelFamilyMismatch unless <paramref name="candidate"/> can join <paramref name="accepted"/>.</summary>
    public static void EnsureCompatible(IReadOnlyList<LoraAdapter> accepted, LoraAdapter candidate)
    {
        if (candidate is null) throw new ArgumentNullException(nameof(candidate));
        var all = accepted.Concat(new[] { candidate }).ToList();
        var known = all.Where(a => a.Family != ModelFamily.Unknown).ToList();
        if (known.Count > 1)
        {
            var common = new HashSet<ModelFamily>(known[0].CompatibleFamilies);
            foreach (var a in known.Skip(1)) common.IntersectWith(a.CompatibleFamilies);
            if (common.Count == 0)
            {
                // The adapter that shares no family with the candidate; when each pair fits but not all three
                // together (SD 1.x/2.x, 2.x/XL, 1.x/XL), the first other one.
                var other = known.FirstOrDefault(a => !ReferenceEquals(a, candidate) && !a.CompatibleFamilies.Intersect(candidate.CompatibleFamilies).Any())
                    ?? known.First(a => !ReferenceEquals(a, candidate));
                throw Mismatch(candidate, other,
                    $"Adapter '{candidate.Name}' is {Describe(candidate)} but '{other.Name}' is {Describe(other)}: adapters for different base models have no layers in common. " +
                    "Merge, cluster or measure adapters trained for one base model.");
            }
        }

        if (known.Count == 0 || known.Count == all.Count) return;
        var knownNames = new HashSet<string>(known.SelectMany(a => a.Modules).Select(m => m.Name), StringComparer.Ordinal);
        foreach (var unknown in all.Where(a => a.Family == ModelFamily.Unknown))
        {
            var stray = unknown.Modules.Select(m => m.Name).FirstOrDefault(n => !knownNames.Contains(n));
            if (stray is null) continue;
            var first = known[0];
            throw Mismatch(unknown, first,
                $"Adapter '{unknown.Name}' ({unknown.Format}) has keys no model layout recognises (family Unknown; e.g. '{stray}'), and they are not modules of '{first.Name}' ({Describe(first)}): " +
                "its modules would never meet the others'. Merge it only with adapters whose keys are stored the same way, or rename its keys to a known naming " +
                "(kohya lora_unet_/lora_te_, diffusers unet./text_encoder., a PEFT folder) for the same base model.");
        }
    }

    /// <summary>Throws ModelFamilyMismatch unless all <paramref name="adapters"/> can meet.</summary>
    public static void EnsureCompatible(IReadOnlyList<LoraAdapter> adapters)
    {
        for (int i = 1; i < adapters.Count; i++) EnsureCompatible(adapters.Take(i).ToList(), adapters[i]);
    }

    private static string Describe(LoraAdapter a) => $"{a.Family} ({a.Format})";

    private static LoraLegoException Mismatch(LoraAdapter refused, LoraAdapter other, string message) =>
        new AdapterException(AdapterErrorIds.ModelFamilyMismatch, LoraErrorCategory.InvalidData, refused.Path, message);
}
