using System;
using System.Globalization;

namespace LoraLego.Reporting;

/// <summary>Labels that fit on an axis: long module paths keep their informative tail.</summary>
internal static class ReportNames
{
    public static string Short(string name, int max)
    {
        if (name.Length <= max) return name;
        // Cut at a separator so "…layers.10.self_attn.q_proj" stays readable.
        int start = name.Length - (max - 1);
        int dot = name.IndexOfAny(new[] { '.', '_' }, start);
        if (dot > 0 && dot < name.Length - 4) start = dot + 1;
        return "…" + name.Substring(start);
    }

    public static string Number(double value, string format = "0.###") =>
        double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    public static string Percent(double value) =>
        double.IsNaN(value) ? "–" : (100 * value).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static bool SameText(string a, string b) => string.Equals(a, b, StringComparison.Ordinal);
}
