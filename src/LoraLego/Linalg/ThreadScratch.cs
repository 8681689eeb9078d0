using System;

namespace LoraLego.Linalg;

/// <summary>
/// Per-thread work arrays that are reused across calls: one slot per kind of use, so no caller
/// ever receives an array another caller on the same thread still holds.
/// </summary>
/// <remarks>
/// The kernels need a few hundred KB of scratch per module. Fresh arrays of that size go to the
/// large-object heap, which zeroes them and faults them in, module after module. A slot simply keeps
/// its largest array for the thread's lifetime (module workers end with their stage): no rent/return
/// pairs to get wrong, and the same memory serves every module of a stage.
/// </remarks>
internal sealed class ThreadScratch<T>
{
    [ThreadStatic]
    private static ThreadScratch<T>?[]? _slots;

    private T[] _array = Array.Empty<T>();

    /// <summary>This thread's array of slot <paramref name="slot"/> with at least <paramref name="length"/> elements (contents arbitrary).</summary>
    public static T[] Get(ScratchSlot slot, int length)
    {
        var slots = _slots ??= new ThreadScratch<T>?[Enum.GetValues(typeof(ScratchSlot)).Length];
        var scratch = slots[(int)slot] ??= new ThreadScratch<T>();
        if (scratch._array.Length < length) scratch._array = new T[length];
        return scratch._array;
    }
}

/// <summary>The users of <see cref="ThreadScratch{T}"/>; one slot each.</summary>
internal enum ScratchSlot
{
    GramPanel,
    GramSecondHalf,
    FactorTranspose,
}
