using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using LoraLego.Diagnostics;

namespace LoraLego.Pipeline;

/// <summary>
/// The rank k chosen for each module: one number for every module, or module patterns
/// (wildcards * and ?, case-insensitive, first match wins) mapped to numbers; modules that no
/// pattern matches use the default (the largest source rank of the module).
/// </summary>
public sealed class RankSelector
{
    private readonly int? _all;
    private readonly List<(Regex Pattern, string Text, int K)> _rules = new();

    private RankSelector(int? all) => _all = all;

    public static RankSelector Default { get; } = new(null);

    public static RankSelector Uniform(int k) => new(Validate(k, "all modules"));

    public static RankSelector FromPatterns(IEnumerable<KeyValuePair<string, int>> rules)
    {
        var selector = new RankSelector(null);
        foreach (var rule in rules)
        {
            var regex = "^" + Regex.Escape(rule.Key).Replace(@"\*", ".*").Replace(@"\?", ".") + "$";
            selector._rules.Add((new Regex(regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant), rule.Key, Validate(rule.Value, rule.Key)));
        }

        return selector;
    }

    /// <summary>k for the module, or null when the default applies.</summary>
    public int? For(string module)
    {
        if (_all is int k) return k;
        foreach (var rule in _rules)
        {
            if (rule.Pattern.IsMatch(module)) return rule.K;
        }

        return null;
    }

    public override string ToString() => _all is int k ? k.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : _rules.Count == 0 ? "default" : string.Join(";", _rules.ConvertAll(r => $"{r.Text}={r.K}"));

    private static int Validate(int k, string what) => k >= 1 ? k
        : throw new LoraLegoException("InvalidRank", LoraErrorCategory.InvalidArgument, what, $"The rank for {what} is {k}; it must be at least 1.");
}
