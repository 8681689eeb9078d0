using System.Collections.Generic;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>Collects each module's A (down) and B (up) tensors as the keys are scanned; reports lone factors.</summary>
internal sealed class FactorPairs
{
    private readonly Dictionary<string, Pair> _pairs = new(System.StringComparer.Ordinal);
    private readonly List<string> _order = new();

    public void AddA(string module, TensorInfo t, bool embedding = false) => Get(module, embedding).A = t;

    public void AddB(string module, TensorInfo t, bool embedding = false) => Get(module, embedding).B = t;

    /// <summary>Pairs in first-seen order; throws LoraFactorMissing for a module with only one factor.</summary>
    public IEnumerable<(string Module, TensorInfo A, TensorInfo B, bool Embedding)> Complete(string file, string aWord, string bWord)
    {
        foreach (var name in _order)
        {
            var p = _pairs[name];
            if (p.A is null || p.B is null)
            {
                var (has, missing) = p.A is null ? (p.B!.Name, aWord) : (p.A.Name, bWord);
                throw new AdapterException(AdapterErrorIds.LoraFactorMissing, LoraErrorCategory.InvalidData, file,
                    $"{file}: module '{name}' has {has} but no {missing} tensor; a LoRA module needs both factors.", name);
            }

            yield return (name, p.A, p.B, p.Embedding);
        }
    }

    private Pair Get(string module, bool embedding)
    {
        if (!_pairs.TryGetValue(module, out var p))
        {
            p = new Pair();
            _pairs.Add(module, p);
            _order.Add(module);
        }

        p.Embedding |= embedding;
        return p;
    }

    private sealed class Pair
    {
        public TensorInfo? A;
        public TensorInfo? B;
        public bool Embedding;
    }
}
