using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Pipeline;

/// <summary>
/// Merge-LoraAdapter's Concat output, written module by module straight from the pooled units: the
/// writer folds each unit's scale into its two vectors as it encodes them, so no merged block is
/// ever assembled and memory holds one module's source factors at a time.
/// </summary>
public static class ConcatWriter
{
    /// <summary>
    /// Writes the Concat merge of the pools (the exact sum of the inputs, rank = pool size) straight
    /// from the units' own vectors: the same bytes as merging each module with <see cref="ConcatMethod"/>
    /// and writing the block, without the three full copies of every vector that made (gathering the
    /// pool, concatenating, folding the scales). <paramref name="onModule"/> is called on this thread
    /// as each module is written (progress).
    /// </summary>
    public static string Write(string target, IReadOnlyList<ModulePool> pools, AdapterWriteOptions options, Action<OutputModule>? onModule, CancellationToken cancellationToken)
    {
        var modules = pools.Select(p => MergeStage.OutputFor(p, p.Units.Count)).ToList();
        var byName = pools.ToDictionary(p => p.Module, StringComparer.Ordinal);
        return AdapterWriter.WriteFolded(target, modules, (module, token) =>
        {
            onModule?.Invoke(module);
            token.ThrowIfCancellationRequested();
            return Factors(byName[module.Name], module);
        }, options, cancellationToken);
    }

    /// <summary>
    /// The pool's units in the order <see cref="ModulePool.ToMergeInput"/> lays them out (source by
    /// source), each with its own scale: the writer folds √|s| into both vectors, which gives the
    /// values ConcatMethod's folding gives. Each source module's factors are read once.
    /// </summary>
    private static FoldedFactors Factors(ModulePool pool, OutputModule module)
    {
        var units = pool.SourceUnits().SelectMany(g => g).ToList();
        var read = new Dictionary<LoraModule, UnitBlock>(ReferenceEquality<LoraModule>.Instance);
        var a = new ReadOnlyMemory<float>[units.Count];
        var b = new ReadOnlyMemory<float>[units.Count];
        var scales = new double[units.Count];
        for (int i = 0; i < units.Count; i++)
        {
            var unit = units[i];
            UnitBlock? factors = null;
            if (unit.Source is not null && !read.TryGetValue(unit.Source, out factors))
            {
                factors = ModuleFactorCache.Read(unit.Source);
                read[unit.Source] = factors;
            }

            a[i] = unit.MemoryA(factors);
            b[i] = unit.MemoryB(factors);
            scales[i] = unit.Scale;
        }

        return FoldedFactors.Of(module, a, b, scales);
    }
}
