using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Diagnostics;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Pipeline;

/// <summary>
/// The units of one module gathered by a stage, in arrival order. Turns them into the engine's
/// per-source blocks: units split from the same adapter module form one source (read once);
/// computed units (centroids) form one source per producing adapter label.
/// </summary>
public sealed class ModulePool
{
    private readonly List<LoraUnit> _units = new();

    public ModulePool(string module) => Module = module;

    public string Module { get; }

    public IReadOnlyList<LoraUnit> Units => _units;

    public LoraUnit First => _units[0];

    /// <summary>Adds a unit; a unit whose shape differs from the pool's is refused, naming both adapters.</summary>
    public void Add(LoraUnit unit)
    {
        if (_units.Count > 0)
        {
            var first = _units[0];
            if (first.InFeatures != unit.InFeatures || first.OutFeatures != unit.OutFeatures)
            {
                throw new LoraLegoException("ModuleShapeMismatch", LoraErrorCategory.InvalidData, Module,
                    $"Module '{Module}' is {first.OutFeatures}×{first.InFeatures} in adapter '{first.Adapter}' but {unit.OutFeatures}×{unit.InFeatures} in adapter '{unit.Adapter}': the adapters were trained on different base models.");
            }
        }

        _units.Add(unit);
    }

    /// <summary>The largest rank among the source modules in the pool (computed units count as one source).</summary>
    public int LargestSourceRank => Groups().Max(g => g.Source?.Rank ?? g.Units.Count);

    /// <summary>Mean rank of the sources in the pool.</summary>
    public double MeanSourceRank => Groups().Average(g => (double)(g.Source?.Rank ?? g.Units.Count));

    /// <summary>Reads the factors and lays the units out as the engine's per-source blocks.</summary>
    public ModuleMergeInput ToMergeInput(CancellationToken cancellationToken) => ToMergeInput(cancellationToken, null);

    /// <summary>
    /// As <see cref="ToMergeInput(CancellationToken)"/>; a source module whose units are all in the pool and whose
    /// factors nobody holds is read into <paramref name="recycler"/>'s arrays, for the caller to hand back
    /// (<see cref="FactorRecycler.Return"/> of the input's sources) once it is done with the input.
    /// </summary>
    public ModuleMergeInput ToMergeInput(CancellationToken cancellationToken, FactorRecycler? recycler)
    {
        var first = _units[0];
        var blocks = new List<UnitBlock>();
        foreach (var group in Groups())
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = group.Units.Count, din = first.InFeatures, dout = first.OutFeatures;
            UnitBlock? sourceBlock = null;
            if (group.Source is not null)
            {
                sourceBlock = ModuleFactorCache.Cached(group.Source);
                if (sourceBlock is null && recycler is not null && CoversInOrder(group.Units, group.Source.Rank))
                {
                    sourceBlock = group.Source.ReadUnits(1.0, recycler.Rent);
                }

                sourceBlock ??= ModuleFactorCache.Read(group.Source);
            }

            if (sourceBlock is not null && CoversInOrder(group.Units, sourceBlock.Count))
            {
                // Every unit of the source module, in order: share the factors read (they are never
                // written to) instead of copying them; only the scales are the units' own.
                blocks.Add(new UnitBlock(din, dout, sourceBlock.A, sourceBlock.BT, group.Units.Select(u => u.Scale).ToArray()));
                continue;
            }

            var a = new float[n * din];
            var bt = new float[n * dout];
            var scale = new double[n];
            for (int i = 0; i < n; i++)
            {
                var u = group.Units[i];
                u.SpanA(sourceBlock).CopyTo(a.AsSpan(i * din, din));
                u.SpanB(sourceBlock).CopyTo(bt.AsSpan(i * dout, dout));
                scale[i] = u.Scale;
            }

            blocks.Add(new UnitBlock(din, dout, a, bt, scale));
        }

        return new ModuleMergeInput(Module, first.InFeatures, first.OutFeatures, blocks);
    }

    private static bool CoversInOrder(List<LoraUnit> units, int count)
    {
        if (units.Count != count) return false;
        for (int i = 0; i < count; i++)
        {
            if (units[i].Index != i) return false;
        }

        return true;
    }

    /// <summary>Which unit of the pool each row of <see cref="ToMergeInput"/>'s blocks is, source by source.</summary>
    public IReadOnlyList<IReadOnlyList<LoraUnit>> SourceUnits() => Groups().Select(g => (IReadOnlyList<LoraUnit>)g.Units).ToList();

    /// <summary>
    /// Sources in a canonical order (adapter name, then path, then arrival) and units by index, so the
    /// order units arrive in changes nothing downstream: permuting the input gives the same merge.
    /// </summary>
    private List<(Adapters.LoraModule? Source, List<LoraUnit> Units)> Groups()
    {
        var groups = new List<(Adapters.LoraModule? Source, List<LoraUnit> Units)>();
        var bySource = new Dictionary<Adapters.LoraModule, int>(ReferenceEquality<Adapters.LoraModule>.Instance);
        var byLabel = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var u in _units)
        {
            int g;
            if (u.Source is not null)
            {
                if (!bySource.TryGetValue(u.Source, out g)) { g = groups.Count; bySource[u.Source] = g; groups.Add((u.Source, new List<LoraUnit>())); }
            }
            else if (!byLabel.TryGetValue(u.Adapter, out g)) { g = groups.Count; byLabel[u.Adapter] = g; groups.Add((null, new List<LoraUnit>())); }

            groups[g].Units.Add(u);
        }

        foreach (var g in groups) g.Units.Sort((x, y) => x.Index.CompareTo(y.Index));
        return groups
            .Select((g, arrival) => (Group: g, Arrival: arrival))
            .OrderBy(x => x.Group.Source?.Adapter.Name ?? x.Group.Units[0].Adapter, StringComparer.Ordinal)
            .ThenBy(x => x.Group.Source?.Adapter.Path ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(x => x.Arrival)
            .Select(x => x.Group)
            .ToList();
    }
}
