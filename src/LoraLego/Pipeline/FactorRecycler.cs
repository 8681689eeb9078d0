using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using LoraLego.Units;

namespace LoraLego.Pipeline;

/// <summary>
/// Factor arrays of exactly one length each, handed back once a stage is done with a module and
/// reused for the next module of that shape.
/// </summary>
/// <remarks>
/// A stage reads every module's factors once: 1.3 GB of float32 arrays for 8 Llama-2-7B adapters,
/// each large enough to land on the large-object heap, which the runtime zeroes and the kernel faults
/// in page by page (~300,000 page faults, about a second of CPU, measured). The shapes repeat, so a
/// few arrays per shape serve every module. Arrays are only recycled by the stage that read them:
/// nothing else ever sees them.
/// </remarks>
public sealed class FactorRecycler
{
    // Enough for the modules in flight (workers × window × sources); beyond that arrays go to the GC.
    internal const int MaxPerLength = 64;

    private readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> _free = new();

    // Arrays handed out and not yet back: only these are taken back, so callers can hand back a whole
    // merge input (whose other blocks are cached or copied factors) without sorting out which is which.
    private readonly ConcurrentDictionary<float[], bool> _lent = new(ReferenceEquality<float[]>.Instance);

    /// <summary>An array of exactly <paramref name="length"/> floats with arbitrary contents.</summary>
    public float[] Rent(int length)
    {
        var array = _free.TryGetValue(length, out var bag) && bag.TryTake(out var free) ? free : new float[length];
        _lent[array] = true;
        return array;
    }

    /// <summary>
    /// Takes back the factor arrays of <paramref name="blocks"/> that this recycler lent, except those
    /// <paramref name="keep"/> still uses (a result that shares its input's arrays).
    /// </summary>
    public void Return(IEnumerable<UnitBlock> blocks, UnitBlock? keep = null)
    {
        foreach (var block in blocks)
        {
            TakeBack(block.A, keep);
            TakeBack(block.BT, keep);
        }
    }

    private void TakeBack(float[] array, UnitBlock? keep)
    {
        if (keep is not null && (ReferenceEquals(array, keep.A) || ReferenceEquals(array, keep.BT))) return;
        if (!_lent.TryRemove(array, out _)) return;
        var bag = _free.GetOrAdd(array.Length, _ => new ConcurrentBag<float[]>());
        if (bag.Count < MaxPerLength) bag.Add(array);
    }
}
