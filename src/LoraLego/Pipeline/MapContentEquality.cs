using System;
using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Pipeline;

/// <summary>
/// Equal when two string maps hold the same key/value pairs, compared ordinally (whatever comparer
/// either map uses), which is exactly when their key-sorted JSON is the same text.
/// </summary>
internal sealed class MapContentEquality : IEqualityComparer<IReadOnlyDictionary<string, string>>
{
    public static readonly MapContentEquality Instance = new();

    public bool Equals(IReadOnlyDictionary<string, string>? x, IReadOnlyDictionary<string, string>? y)
    {
        if (ReferenceEquals(x, y)) return true;
        if (x is null || y is null || x.Count != y.Count) return false;

        // Maps filled alike enumerate alike, so pair by pair settles the common case; only maps that
        // differ that way are compared sorted.
        return x.SequenceEqual(y, PairEquality.Instance) || Sorted(x).SequenceEqual(Sorted(y), PairEquality.Instance);
    }

    public int GetHashCode(IReadOnlyDictionary<string, string> map)
    {
        // Order-independent: a sum over the pairs.
        int hash = map.Count;
        foreach (var kv in map) hash = unchecked(hash + (StringComparer.Ordinal.GetHashCode(kv.Key) * 31) + StringComparer.Ordinal.GetHashCode(kv.Value ?? string.Empty));
        return hash;
    }

    private static IEnumerable<KeyValuePair<string, string>> Sorted(IReadOnlyDictionary<string, string> map) => map.OrderBy(kv => kv.Key, StringComparer.Ordinal);

    private sealed class PairEquality : IEqualityComparer<KeyValuePair<string, string>>
    {
        public static readonly PairEquality Instance = new();

        public bool Equals(KeyValuePair<string, string> x, KeyValuePair<string, string> y) =>
            string.Equals(x.Key, y.Key, StringComparison.Ordinal) && string.Equals(x.Value, y.Value, StringComparison.Ordinal);

        public int GetHashCode(KeyValuePair<string, string> pair) => StringComparer.Ordinal.GetHashCode(pair.Key);
    }
}
