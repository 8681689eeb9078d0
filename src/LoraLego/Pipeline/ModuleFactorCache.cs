using System;
using System.Runtime.CompilerServices;
using LoraLego.Adapters;
using LoraLego.Units;

namespace LoraLego.Pipeline;

/// <summary>
/// Factors read from disk, held weakly: units of one module that pass through a stage together
/// share one read, and nothing stays alive once the stage lets go, so memory does not grow with
/// the number of adapters piped through. Unit norms are tiny and kept for the module's lifetime.
/// </summary>
internal static class ModuleFactorCache
{
    private static readonly ConditionalWeakTable<LoraModule, WeakReference<UnitBlock>> Factors = new();
    private static readonly ConditionalWeakTable<LoraModule, double[]> Norms = new();

    /// <summary>The module's units with Scale[i] = the module's own scale.</summary>
    public static UnitBlock Read(LoraModule module)
    {
        lock (module)
        {
            var slot = Factors.GetValue(module, _ => new WeakReference<UnitBlock>(null!));
            if (slot.TryGetTarget(out var block) && block is not null) return block;
            block = module.ReadUnits();
            slot.SetTarget(block);
            return block;
        }
    }

    /// <summary>The module's units if something still holds them from an earlier read.</summary>
    public static UnitBlock? Cached(LoraModule module)
    {
        lock (module)
        {
            return Factors.TryGetValue(module, out var slot) && slot.TryGetTarget(out var block) ? block : null;
        }
    }

    /// <summary>‖a_i‖·‖b_i‖ for every unit (without the scale).</summary>
    public static double[] UnitNorms(LoraModule module) => Norms.GetValue(module, m =>
    {
        var block = Read(m);
        var norms = new double[block.Count];
        for (int i = 0; i < norms.Length; i++) norms[i] = Norm2(block.UnitA(i)) * Norm2(block.UnitB(i));
        return norms;
    });

    internal static double Norm2(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (var x in v) s += (double)x * x;
        return Math.Sqrt(s);
    }
}
