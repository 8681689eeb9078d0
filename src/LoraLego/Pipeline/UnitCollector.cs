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

    private List<ModulePool>? _sorted;

    public IReadOnlyList<ModulePool> Pools => _sorted ??= _pools.OrderBy(p => p.Module, NaturalStringComparer.Instance).ToList();

    public int UnitCount { get; private set; }

    public void Add(LoraUnit unit)
    {
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
