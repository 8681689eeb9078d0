using System;
using System.Globalization;
using System.Linq;

namespace LoraLego.Bench.Quality;

/// <summary>`--set Name=value` on the command line overrides one <see cref="QualityConfig"/> property (numbers, booleans, comma lists).</summary>
internal static class ConfigOverrides
{
    public static QualityConfig Apply(QualityConfig config, string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--set expects Name=value, got '{assignment}'.");
        string name = assignment.Substring(0, eq), text = assignment.Substring(eq + 1);
        var property = typeof(QualityConfig).GetProperty(name) ?? throw new ArgumentException($"QualityConfig has no property '{name}'.");
        var copy = config with { };
        object value = property.PropertyType switch
        {
            var t when t == typeof(int) => int.Parse(text, CultureInfo.InvariantCulture),
            var t when t == typeof(double) => double.Parse(text, CultureInfo.InvariantCulture),
            var t when t == typeof(bool) => bool.Parse(text),
            var t when t == typeof(System.Collections.Generic.IReadOnlyList<int>) => text.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            var t when t == typeof(System.Collections.Generic.IReadOnlyList<double>) => text.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray(),
            _ => throw new ArgumentException($"QualityConfig.{name} cannot be set from the command line."),
        };
        property.SetValue(copy, value);
        return copy;
    }
}
