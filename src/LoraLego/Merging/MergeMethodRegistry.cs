using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Diagnostics;

namespace LoraLego.Merging;

/// <summary>
/// Every merge method in the engine assembly: each non-abstract <see cref="IMergeMethod"/> class with a
/// parameterless constructor is found by reflection, so adding a method means adding one file.
/// Names are matched case-insensitively and without underscores, so PEFT's spellings
/// (dare_ties, magnitude_prune) find the same methods as ours (DareTies, MagnitudePrune).
/// </summary>
public static class MergeMethodRegistry
{
    private static readonly Lazy<IReadOnlyDictionary<string, Type>> Methods = new(Discover);

    /// <summary>Method names, sorted.</summary>
    public static IReadOnlyList<string> Names => Methods.Value.Values.Select(t => Create(t).Name).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToArray();

    /// <summary>A new instance of the named method; throws LoraLegoException (UnknownMergeMethod) if there is none.</summary>
    public static IMergeMethod Get(string name)
    {
        if (TryGet(name, out var method)) return method;
        throw new LoraLegoException(
            "UnknownMergeMethod",
            LoraErrorCategory.InvalidArgument,
            name,
            $"Unknown merge method '{name}'. Known methods: {string.Join(", ", Names)}.");
    }

    public static bool TryGet(string name, out IMergeMethod method)
    {
        method = null!;
        if (name is null || !Methods.Value.TryGetValue(Key(name), out var type)) return false;
        method = Create(type);
        return true;
    }

    internal static string Key(string name) => name.Replace("_", string.Empty).Replace("-", string.Empty);

    private static IMergeMethod Create(Type type) => (IMergeMethod)Activator.CreateInstance(type)!;

    private static IReadOnlyDictionary<string, Type> Discover()
    {
        var byName = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        var types = typeof(IMergeMethod).Assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract && !t.ContainsGenericParameters && typeof(IMergeMethod).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) != null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);
        foreach (var type in types)
        {
            string name = Key(Create(type).Name);
            if (byName.TryGetValue(name, out var other))
                throw new InvalidOperationException($"Merge methods {other.FullName} and {type.FullName} are both named '{name}'.");
            byName[name] = type;
        }

        return byName;
    }
}
