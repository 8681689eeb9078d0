using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;

namespace LoraLego.Pipeline;

/// <summary>
/// Gathers units arriving down the pipeline into one pool per module. Pools come out in natural
/// module-name order (layer 2 before layer 10), whatever order the units arrived in.
/// </summary>
public sealed class UnitCollector
{
    private readonly Dictionary<string, ModulePool> _byName = new(StringComparer.Ordinal);
    private readonly List<ModulePool> _pools = new();

    private readonly List<LoraAdapter> _adapters = new();
    private readonly HashSet<LoraAdapter> _accepted = new(ReferenceEquality<LoraAdapter>.Instance);

    private List<ModulePool>? _sorted;

    public IReadOnlyList<ModulePool> Pools => _sorted ??= _pools.OrderBy(p => p.Module, NaturalStringComparer.Instance).ToList();

    public int UnitCount { get; private set; }

    /// <summary>Adds a unit; a unit of an adapter of another model family than those already gathered is refused (ModelFamilyMismatch).</summary>
    public void Add(LoraUnit unit)
    {
        foreach (var adapter in unit.Source is null ? unit.Origins : new[] { unit.Source.Adapter })
        {
            if (_accepted.Contains(adapter)) continue;
            FamilyCheck.EnsureCompatible(_adapters, adapter);
            _accepted.Add(adapter);
            _adapters.Add(adapter);
        }

        if (!_byName.TryGetValue(unit.Module, out var pool))
        {
            pool = new ModulePool(unit.Module);
            _byName[unit.Module] = pool;
            _pools.Add(pool);
        }

        pool.Add(unit);
        _sorted = null;
        UnitCount++;
    }
}
