using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Measuring;
using LoraLego.Merging;
using LoraLego.Units;

namespace LoraLego.Pipeline;

/// <summary>Measure-LoraMerge's engine side: pairs a merged adapter's modules with its sources' and measures them from the factors.</summary>
public static class MeasureStage
{
    /// <summary>The modules to measure: every module of the merged adapter or of any source, merged order first.</summary>
    public static IReadOnlyList<string> ModuleNames(LoraAdapter merged, IReadOnlyList<LoraAdapter> sources) =>
        merged.Modules.Select(m => m.Name).Concat(sources.SelectMany(s => s.Modules).Select(m => m.Name)).Distinct(StringComparer.Ordinal).ToList();

    public static ModuleMeasurement Measure(LoraAdapter merged, IReadOnlyList<LoraAdapter> sources, IReadOnlyList<double> weights, string module, CancellationToken cancellationToken)
    {
        var mergedModule = merged.GetModule(module);
        var present = new List<(LoraAdapter Adapter, LoraModule Module, double Weight)>();
        for (int i = 0; i < sources.Count; i++)
        {
            var m = sources[i].GetModule(module);
            if (m is not null) present.Add((sources[i], m, weights[i]));
        }

        var shape = mergedModule ?? present.Select(p => p.Module).First();
        foreach (var p in present)
        {
            if (p.Module.InFeatures != shape.InFeatures || p.Module.OutFeatures != shape.OutFeatures)
            {
                throw new LoraLegoException("ModuleShapeMismatch", LoraErrorCategory.InvalidData, module,
                    $"Module '{module}' is {shape.OutFeatures}×{shape.InFeatures} in '{shape.Adapter.Name}' but {p.Module.OutFeatures}×{p.Module.InFeatures} in '{p.Adapter.Name}'.");
            }
        }

        var blocks = present.Select(p => p.Module.ReadUnits(p.Weight)).ToList();
        if (blocks.Count == 0) blocks.Add(Empty(shape));
        var input = new ModuleMergeInput(module, shape.InFeatures, shape.OutFeatures, blocks);
        var mergedBlock = mergedModule?.ReadUnits() ?? Empty(shape);
        var result = MergeMeasurer.Measure(input, mergedBlock, cancellationToken);
        var perSource = present.Count == 0
            ? new List<SourceMeasurement>()
            : result.Sources.Select(s => s.Named(present[s.Index].Adapter.Name)).ToList();
        return result.Labelled(merged.Name, perSource);
    }

    /// <summary>Pools module figures: errors and captured energy by the squared norms, retention by the sources' squared norms.</summary>
    public static MergeSummary Summarize(string merged, IReadOnlyList<ModuleMeasurement> modules, IReadOnlyList<LoraAdapter> sources)
    {
        double sum2 = modules.Sum(m => m.SourceSumNorm * m.SourceSumNorm);
        double err2 = modules.Sum(m => Square(m.RelativeError * m.SourceSumNorm));
        double cap2 = modules.Sum(m => m.EnergyCaptured * m.SourceSumNorm * m.SourceSumNorm);
        double merged2 = modules.Sum(m => m.MergedNorm * m.MergedNorm);
        var perSource = new List<SourceMeasurement>();
        foreach (var source in sources)
        {
            var rows = modules.SelectMany(m => m.Sources.Where(s => s.Source == source.Name).Select(s => (Module: m, Source: s))).ToList();
            double norm2 = rows.Sum(r => r.Source.Norm * r.Source.Norm);
            double kept2 = rows.Sum(r => Square(r.Source.Retention * r.Source.Norm));
            double inner = rows.Sum(r => r.Source.Cosine * r.Source.Norm * r.Module.MergedNorm);
            perSource.Add(new SourceMeasurement(perSource.Count, Math.Sqrt(norm2), norm2 > 0 ? Math.Sqrt(kept2 / norm2) : 0,
                norm2 > 0 && merged2 > 0 ? inner / Math.Sqrt(norm2 * merged2) : 0, source.Name));
        }

        return new MergeSummary(merged, modules.Count, sum2 > 0 ? Math.Sqrt(err2 / sum2) : 0, sum2 > 0 ? cap2 / sum2 : 0,
            modules.Count == 0 ? 0 : modules.Average(m => m.EffectiveRank), perSource);
    }

    private static double Square(double x) => x * x;

    private static UnitBlock Empty(LoraModule shape) => new(shape.InFeatures, shape.OutFeatures, Array.Empty<float>(), Array.Empty<float>(), Array.Empty<double>());
}
