using System;
using LoraLego.Pipeline;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>-Module (name wildcards) and -Layer (layer-index wildcards, see ModuleLayers.LayerOf) as one predicate on module names.</summary>
internal static class ModuleSelection
{
    public static Func<string, bool> Create(string[]? modules, string[]? layers)
    {
        var names = WildcardFilter.Create(modules);
        var layerFilter = WildcardFilter.Create(layers);
        return name => names.Matches(name) && (layerFilter.IsEmpty || layerFilter.Matches(ModuleLayers.LayerOf(name) ?? string.Empty));
    }
}
