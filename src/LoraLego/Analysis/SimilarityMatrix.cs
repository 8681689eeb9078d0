using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace LoraLego.Analysis;

/// <summary>
/// A pool of adapters compared pairwise, as symmetric matrices (row and column i are
/// <see cref="Adapters"/>[i]); the diagonal is 1. A pair without a shared module is NaN.
/// </summary>
public sealed class SimilarityMatrix
{
    private SimilarityMatrix(IReadOnlyList<string> adapters, double[][] cosine, double[][] columnOverlap, double[][] rowOverlap, IReadOnlyList<AdapterSimilarity> pairs)
    {
        Adapters = adapters;
        Cosine = cosine;
        ColumnOverlap = columnOverlap;
        RowOverlap = rowOverlap;
        Pairs = pairs;
    }

    public IReadOnlyList<string> Adapters { get; }

    /// <summary>Energy-weighted mean cosines (<see cref="AdapterSimilarity.Cosine"/>).</summary>
    public double[][] Cosine { get; }

    public double[][] ColumnOverlap { get; }

    public double[][] RowOverlap { get; }

    /// <summary>The pair summaries the matrices were made from.</summary>
    public IReadOnlyList<AdapterSimilarity> Pairs { get; }

    internal static SimilarityMatrix From(IReadOnlyList<string> adapters, IReadOnlyList<AdapterSimilarity> pairs)
    {
        int n = adapters.Count;
        double[][] Empty() => Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => i == j ? 1.0 : double.NaN).ToArray()).ToArray();
        var (cos, col, row) = (Empty(), Empty(), Empty());

        // Pairs come in plan order (i < j over the pool), which is how they are placed back.
        int p = 0;
        for (int i = 0; i < n && p < pairs.Count; i++)
        {
            for (int j = i + 1; j < n && p < pairs.Count; j++, p++)
            {
                cos[i][j] = cos[j][i] = pairs[p].Cosine;
                col[i][j] = col[j][i] = pairs[p].ColumnOverlap;
                row[i][j] = row[j][i] = pairs[p].RowOverlap;
            }
        }

        return new SimilarityMatrix(adapters, cos, col, row, pairs);
    }

    /// <summary>
    /// The cosine matrix as aligned text: one row per adapter, columns numbered as the rows
    /// (names can be long), values to 3 decimals.
    /// </summary>
    public string Format() => Format(Cosine);

    /// <summary>Any of the three matrices as aligned text.</summary>
    public string Format(double[][] values)
    {
        if (values is null) throw new ArgumentNullException(nameof(values));
        int n = Adapters.Count;
        int nameWidth = Math.Max(7, Adapters.Select((a, i) => Label(i, a).Length).DefaultIfEmpty(0).Max());
        var text = new StringBuilder();
        text.Append(' ', nameWidth);
        for (int j = 0; j < n; j++) text.Append(("[" + (j + 1).ToString(CultureInfo.InvariantCulture) + "]").PadLeft(8));
        text.AppendLine();
        for (int i = 0; i < n; i++)
        {
            text.Append(Label(i, Adapters[i]).PadRight(nameWidth));
            for (int j = 0; j < n; j++)
            {
                double v = values[i][j];
                text.Append((double.IsNaN(v) ? "-" : v.ToString("0.000", CultureInfo.InvariantCulture)).PadLeft(8));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    public override string ToString() => Format();

    private static string Label(int index, string name)
    {
        var shown = name.Length > 32 ? name.Substring(0, 31) + "…" : name;
        return "[" + (index + 1).ToString(CultureInfo.InvariantCulture) + "] " + shown;
    }
}
