using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Formats;

/// <summary>
/// rank_pattern / alpha_pattern keys that match none of an adapter's modules. PEFT ignores them, and
/// adapters trained with layers_to_transform carry such keys legitimately, so they are warnings, not
/// errors; but a key that matches nothing is often a typo that silently left a module at the default r/α.
/// </summary>
internal static class PatternCoverage
{
    public static IReadOnlyList<string> UnmatchedKeys(PeftConfig config, IReadOnlyList<string> modules)
    {
        var warnings = new List<string>();
        foreach (var (field, keys) in new[] { ("rank_pattern", config.RankPattern.Select(kv => kv.Key)), ("alpha_pattern", config.AlphaPattern.Select(kv => kv.Key)) })
        {
            foreach (var key in keys)
            {
                if (!modules.Any(m => config.PatternMatches(key, m)))
                    warnings.Add($"{config.Path}: {field} key '{key}' matches none of the {modules.Count} modules; it has no effect.");
            }
        }

        return warnings;
    }
}
