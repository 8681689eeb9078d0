using System;
using System.Collections.Generic;
using LoraLego.Units;
using TorchSharp;
using static TorchSharp.torch;

namespace LoraLego.Bench.LanguageModel.Model;

/// <summary>
/// An adapter applied to the frozen model: per module the dense ΔW = Σ_i s_i b_i a_iᵀ (out × in), built
/// once in float64 and stored as float32, then added as W + c·ΔW with an output scale c.
/// </summary>
internal sealed class DenseDeltas : IDisposable
{
    private readonly Dictionary<string, Tensor> _deltas = new(StringComparer.Ordinal);

    public DenseDeltas(IReadOnlyDictionary<string, UnitBlock> blocks)
    {
        foreach (var (name, block) in blocks)
        {
            if (block.Count == 0) continue;
            using var scope = NewDisposeScope();
            var a = tensor(block.A, new long[] { block.Count, block.InFeatures }).to_type(ScalarType.Float64);
            var bt = tensor(block.BT, new long[] { block.Count, block.OutFeatures }).to_type(ScalarType.Float64);
            var s = tensor(block.Scale, new long[] { block.Count, 1 });
            _deltas[name] = (bt * s).t().matmul(a).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
        }
    }

    /// <summary>The weight function for <see cref="TinyTransformer.Forward"/> at output scale <paramref name="scale"/>.</summary>
    public Func<string, Tensor, Tensor> At(double scale) =>
        (module, w) => _deltas.TryGetValue(module, out var d) ? w + d * scale : w;

    public void Dispose()
    {
        foreach (var d in _deltas.Values) d.Dispose();
    }
}
