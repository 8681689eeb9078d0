using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;

namespace LoraLego.Formats.Families;

/// <summary>
/// A module as a reader found it, before it has an identity: its name in the file and its factors'
/// shape. (A class: generic code over it is shared with other reference types, not compiled afresh.)
/// </summary>
internal sealed class StoredModule
{
    public StoredModule(string name, ModuleKind kind, int inFeatures, int outFeatures)
    {
        Name = name;
        Kind = kind;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    public string Name { get; }

    public ModuleKind Kind { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }
}

/// <summary>
/// Which family a file's modules belong to, and each module's identity in it. Every registered family
/// is tried with the key style's naming rule: the families that name the most modules win, then those
/// whose layer widths fit the most modules (SD 1.x and 2.x share every UNet path; attn2.to_k's width
/// tells them apart), then the one the file's metadata names. Families still tied stay
/// <see cref="Compatible"/>; the first of them is shown. No family naming any module: none (the reader
/// decides: a transformers model for PEFT, unrecognised keys otherwise).
/// </summary>
internal sealed class FamilyMatch
{
    private FamilyMatch(FamilyLayout? layout, IReadOnlyList<ModelFamily> compatible, ModuleIdentity?[] identities)
    {
        Layout = layout;
        Compatible = compatible;
        Identities = identities;
    }

    /// <summary>The family chosen, or null when no family names any module.</summary>
    public FamilyLayout? Layout { get; }

    /// <summary>Every family that fits the file as well as the chosen one (empty when none does).</summary>
    public IReadOnlyList<ModelFamily> Compatible { get; }

    /// <summary>Per module (in the order given), its identity in the chosen family, or null where the family does not name it.</summary>
    public IReadOnlyList<ModuleIdentity?> Identities { get; }

    /// <param name="modules">the file's modules.</param>
    /// <param name="identify">the key style's rule: a module's identity in a family, or null.</param>
    /// <param name="hint">base-model names from the file's metadata or config (may be null).</param>
    public static FamilyMatch Resolve(IReadOnlyList<StoredModule> modules, Func<FamilyLayout, StoredModule, ModuleIdentity?> identify, IEnumerable<string?>? hint = null)
    {
        var scored = new List<Score>();
        foreach (var layout in FamilyLayouts.All)
        {
            var ids = new ModuleIdentity?[modules.Count];
            int named = 0, fit = 0;
            for (int i = 0; i < modules.Count; i++)
            {
                var id = identify(layout, modules[i]);
                if (id is null) continue;
                ids[i] = id;
                named++;
                if (layout.ShapeOf(id) is LayerShape shape && shape.Fits(modules[i].Kind, modules[i].InFeatures, modules[i].OutFeatures)) fit++;
            }

            if (named > 0) scored.Add(new Score(layout, ids, named, fit));
        }

        if (scored.Count == 0) return None(modules.Count);
        int bestNamed = scored.Max(s => s.Named);
        var best = scored.Where(s => s.Named == bestNamed).ToList();
        int bestFit = best.Max(s => s.Fit);
        best = best.Where(s => s.Fit == bestFit).ToList();
        var hints = (hint ?? Array.Empty<string?>()).Where(h => !string.IsNullOrEmpty(h)).ToList();
        var named2 = best.Where(s => hints.Any(h => s.Layout.MatchesHint(h))).ToList();
        if (named2.Count > 0) best = named2;
        return new FamilyMatch(best[0].Layout, best.Select(s => s.Layout.Family).ToList().AsReadOnly(), best[0].Ids);
    }

    /// <summary>No family: <paramref name="count"/> modules without an identity in any layout.</summary>
    public static FamilyMatch None(int count) => new(null, new ModelFamily[0], new ModuleIdentity?[count]);

    private sealed class Score
    {
        public Score(FamilyLayout layout, ModuleIdentity?[] ids, int named, int fit)
        {
            Layout = layout;
            Ids = ids;
            Named = named;
            Fit = fit;
        }

        public FamilyLayout Layout { get; }

        public ModuleIdentity?[] Ids { get; }

        public int Named { get; }

        public int Fit { get; }
    }

    /// <summary>The warning for modules no layout of the chosen family names (null when every module has an identity).</summary>
    public string? UnmappedWarning(string file, IReadOnlyList<StoredModule> modules)
    {
        if (Layout is null) return null;
        var missing = modules.Where((m, i) => Identities[i] is null).Select(m => m.Name).ToList();
        if (missing.Count == 0) return null;
        var shown = string.Join(", ", missing.Take(5)) + (missing.Count > 5 ? $", ... ({missing.Count} in all)" : string.Empty);
        return $"{file}: {missing.Count} of {modules.Count} modules are not layers of {Layout.Family} ({shown}); they keep their stored names and meet only modules stored under the same names.";
    }
}
