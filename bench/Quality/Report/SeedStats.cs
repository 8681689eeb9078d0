using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace LoraLego.Bench.Quality.Report;

/// <summary>Mean ± sample standard deviation over seeds.</summary>
internal readonly record struct SeedStats(double Mean, double Std, int Count)
{
    public static SeedStats Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return new SeedStats(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double std = v.Length > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1)) : 0;
        return new SeedStats(mean, std, v.Length);
    }

    public override string ToString() => Count == 0 ? "–" : string.Format(CultureInfo.InvariantCulture, "{0:F3} ± {1:F3}", Mean, Std);
}
