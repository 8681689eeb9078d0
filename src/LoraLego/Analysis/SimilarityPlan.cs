using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;

namespace LoraLego.Analysis;

/// <summary>
/// Which adapters Compare-LoraAdapter pairs and over which modules: every pair of the pool, or the
/// reference with each other adapter. Work goes module by module (each module of each adapter is
/// read and decomposed once, for all its pairs), so memory holds one module at a time.
/// </summary>
public sealed class SimilarityPlan
{
    private readonly Func<string, bool> _moduleFilter;

    /// <param name="adapters">The pool; duplicates (the same object twice) are compared once.</param>
    /// <param name="reference">Null for all pairs; otherwise pairs (reference, other) for every other adapter of the pool.</param>
    /// <param name="moduleFilter">Which module names to compare; null for all.</param>
    public SimilarityPlan(IReadOnlyList<LoraAdapter> adapters, LoraAdapter? reference = null, Func<string, bool>? moduleFilter = null)
    {
        if (adapters is null) throw new ArgumentNullException(nameof(adapters));
        _moduleFilter = moduleFilter ?? (_ => true);
        var pool = new List<LoraAdapter>();
        if (reference is not null) pool.Add(reference);
        foreach (var a in adapters)
        {
            if (!pool.Contains(a)) pool.Add(a);
        }

        Adapters = pool;
        Reference = reference;
        var pairs = new List<(LoraAdapter, LoraAdapter)>();
        for (int i = 0; i < pool.Count; i++)
        {
            for (int j = i + 1; j < pool.Count; j++)
            {
                if (reference is null || i == 0) pairs.Add((pool[i], pool[j]));
            }
        }

        Pairs = pairs;
        var shared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (x, y) in pairs) shared.UnionWith(SharedNames(x, y));
        Modules = pool.SelectMany(a => a.Modules).Select(m => m.Name).Where(shared.Contains).Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, NaturalStringComparer.Instance).ToList();
    }

    public IReadOnlyList<LoraAdapter> Adapters { get; }

    public LoraAdapter? Reference { get; }

    public IReadOnlyList<(LoraAdapter Reference, LoraAdapter Other)> Pairs { get; }

    /// <summary>Module names (after the filter) that at least one pair shares, in natural order.</summary>
    public IReadOnlyList<string> Modules { get; }

    /// <summary>One result per pair that has <paramref name="module"/>; every adapter's module decomposed once.</summary>
    public IReadOnlyList<ModuleSimilarity> CompareModule(string module, CancellationToken cancellationToken = default)
    {
        foreach (var (x, y) in Pairs)
        {
            var (mx, my) = (x.GetModule(module), y.GetModule(module));
            if (mx is not null && my is not null) SimilarityMeasurer.CheckShapes(mx, my);
        }

        var bases = new Dictionary<LoraAdapter, ModuleBasis>();
        ModuleBasis Basis(LoraAdapter a)
        {
            if (!bases.TryGetValue(a, out var basis)) bases[a] = basis = ModuleBasis.Of(a.GetModule(module)!, cancellationToken);
            return basis;
        }

        var results = new List<ModuleSimilarity>();
        for (int i = 0; i < Pairs.Count; i++)
        {
            var (x, y) = Pairs[i];
            if (x.GetModule(module) is null || y.GetModule(module) is null) continue;
            var result = SimilarityMeasurer.Compare(Basis(x), Basis(y), cancellationToken);
            result.Pair = i;
            results.Add(result);
        }

        return results;
    }

    /// <summary>One summary per pair, in pair order (with a reference: most similar first, by Cosine).</summary>
    public IReadOnlyList<AdapterSimilarity> Summarize(IEnumerable<ModuleSimilarity> results)
    {
        var byPair = results.GroupBy(r => r.Pair).ToDictionary(g => g.Key, g => g.ToList());
        var summaries = new List<AdapterSimilarity>();
        for (int i = 0; i < Pairs.Count; i++)
        {
            var (x, y) = Pairs[i];
            var modules = byPair.TryGetValue(i, out var list)
                ? list.OrderBy(m => m.Module, NaturalStringComparer.Instance).ToList()
                : new List<ModuleSimilarity>();
            int onlyX = x.Modules.Count(m => _moduleFilter(m.Name) && y.GetModule(m.Name) is null);
            int onlyY = y.Modules.Count(m => _moduleFilter(m.Name) && x.GetModule(m.Name) is null);
            summaries.Add(new AdapterSimilarity(x.Name, y.Name, modules, onlyX, onlyY));
        }

        return Reference is null ? summaries : summaries.OrderByDescending(s => double.IsNaN(s.Cosine) ? double.NegativeInfinity : s.Cosine).ToList();
    }

    /// <summary>The pool as a symmetric matrix of the summaries (diagonal: 1 for a non-zero adapter).</summary>
    public SimilarityMatrix Matrix(IReadOnlyList<AdapterSimilarity> summaries) => SimilarityMatrix.From(Adapters.Select(a => a.Name).ToList(), summaries);

    private IEnumerable<string> SharedNames(LoraAdapter x, LoraAdapter y) =>
        x.Modules.Select(m => m.Name).Where(n => _moduleFilter(n) && y.GetModule(n) is not null);
}
