using System;
using System.Collections.Generic;

namespace LoraLego.Pipeline;

/// <summary>Gathers units arriving down the pipeline into one pool per module, in first-arrival order.</summary>
public sealed class UnitCollector
{
    private readonly Dictionary<string, ModulePool> _byName = new(StringComparer.Ordinal);
    private readonly List<ModulePool> _pools = new();

    public IReadOnlyList<ModulePool> Pools => _pools;

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
        UnitCount++;
    }
}
