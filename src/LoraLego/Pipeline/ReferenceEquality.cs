using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace LoraLego.Pipeline;

/// <summary>Compares by identity (for de-duplicating objects many units share, whatever their own Equals says).</summary>
internal sealed class ReferenceEquality<T> : IEqualityComparer<T>
    where T : class
{
    public static readonly ReferenceEquality<T> Instance = new();

    public bool Equals(T? x, T? y) => ReferenceEquals(x, y);

    public int GetHashCode(T obj) => RuntimeHelpers.GetHashCode(obj);
}
