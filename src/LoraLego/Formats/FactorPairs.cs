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
    /// <remarks>A list of a class, not of value tuples: generic code over a reference type is shared and
    /// precompiled, so a process's first read compiles less (docs/benchmarks.md, Get-LoraAdapter's first call).</remarks>
    public List<FactorPair> Complete(string file, string aWord, string bWord)
    {
        var complete = new List<FactorPair>(_order.Count);
        foreach (var name in _order)
        {
            var p = _pairs[name];
            if (p.A is null || p.B is null)
            {
                var (has, missing) = p.A is null ? (p.B!.Name, aWord) : (p.A.Name, bWord);
                throw new AdapterException(AdapterErrorIds.LoraFactorMissing, LoraErrorCategory.InvalidData, file,
                    $"{file}: module '{name}' has {has} but no {missing} tensor; a LoRA module needs both factors.", name);
            }

            complete.Add(new FactorPair(name, p.A, p.B, p.Embedding));
        }

        return complete;
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

/// <summary>One module's A (down) and B (up) tensors as a reader found them.</summary>
internal sealed class FactorPair
{
    public FactorPair(string module, TensorInfo a, TensorInfo b, bool embedding)
    {
        Module = module;
        A = a;
        B = b;
        Embedding = embedding;
    }

    public string Module { get; }

    public TensorInfo A { get; }

    public TensorInfo B { get; }

    public bool Embedding { get; }

    public void Deconstruct(out string module, out TensorInfo a, out TensorInfo b, out bool embedding)
    {
        module = Module;
        a = A;
        b = B;
        embedding = Embedding;
    }
}
