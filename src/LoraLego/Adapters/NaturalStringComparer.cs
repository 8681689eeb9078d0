using System;
using System.Collections.Generic;

namespace LoraLego.Adapters;

/// <summary>Orders module names the way people read them: runs of digits compare as numbers (h.2 before h.10).</summary>
public sealed class NaturalStringComparer : IComparer<string>
{
    public static readonly NaturalStringComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsDigit(x[i]) && char.IsDigit(y[j]))
            {
                int si = i, sj = j;
                while (i < x.Length && char.IsDigit(x[i])) i++;
                while (j < y.Length && char.IsDigit(y[j])) j++;
                // As numbers, without allocating (sorting thousands of modules compares often):
                // skip leading zeros; then the longer run is larger; then digit by digit.
                while (si < i && x[si] == '0') si++;
                while (sj < j && y[sj] == '0') sj++;
                if (i - si != j - sj) return (i - si).CompareTo(j - sj);
                for (; si < i; si++, sj++)
                {
                    if (x[si] != y[sj]) return x[si].CompareTo(y[sj]);
                }
            }
            else
            {
                if (x[i] != y[j]) return x[i].CompareTo(y[j]);
                i++;
                j++;
            }
        }

        int rest = (x.Length - i).CompareTo(y.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(x, y);
    }
}
