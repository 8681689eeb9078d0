using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>PowerShell wildcard patterns, case-insensitive; no patterns means everything matches.</summary>
internal sealed class WildcardFilter
{
    private readonly IReadOnlyList<WildcardPattern> _patterns;

    private WildcardFilter(IReadOnlyList<WildcardPattern> patterns) => _patterns = patterns;

    public static WildcardFilter Create(IEnumerable<string>? patterns) =>
        new((patterns ?? Enumerable.Empty<string>()).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList());

    public bool IsEmpty => _patterns.Count == 0;

    public bool Matches(string value) => _patterns.Count == 0 || _patterns.Any(p => p.IsMatch(value));
}
