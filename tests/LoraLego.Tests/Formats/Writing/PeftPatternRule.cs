using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>
/// PEFT's rule for rank_pattern / alpha_pattern, written here from peft/tuners/lora/model.py
/// (get_pattern_key: the first key, in the dict's order, for which re.match(rf"(.*\.)?({key})$", name)
/// succeeds; else r / lora_alpha), independently of the engine's PeftConfig.
/// </summary>
internal static class PeftPatternRule
{
    /// <summary>The (rank, alpha) PEFT gives <paramref name="modulePath"/> under <paramref name="config"/> (a LoraConfig's JSON).</summary>
    public static (int Rank, double Alpha) Resolve(JsonElement config, string modulePath, string prefix = "")
    {
        int rank = config.GetProperty(prefix + "r").GetInt32();
        double alpha = config.GetProperty(prefix + "lora_alpha").GetDouble();
        foreach (var p in config.GetProperty(prefix + "rank_pattern").EnumerateObject())
        {
            if (PythonMatch(p.Name, modulePath)) { rank = p.Value.GetInt32(); break; }
        }

        foreach (var p in config.GetProperty(prefix + "alpha_pattern").EnumerateObject())
        {
            if (PythonMatch(p.Name, modulePath)) { alpha = p.Value.GetDouble(); break; }
        }

        return (rank, alpha);
    }

    /// <summary>PEFT's target_modules list rule (check_target_module_exists): the name is a target, or ends with "." + a target.</summary>
    public static bool Targeted(JsonElement config, string modulePath, string prefix = "") =>
        config.GetProperty(prefix + "target_modules").EnumerateArray().Select(t => t.GetString()!)
            .Any(t => modulePath == t || modulePath.EndsWith("." + t, System.StringComparison.Ordinal));

    // re.match anchors at the start only; "$" also matches before a final newline (names have none).
    private static bool PythonMatch(string key, string name) => Regex.IsMatch(name, @"\A(.*\.)?(" + key + @")$");

    public static IEnumerable<string> Keys(JsonElement config, string field) => config.GetProperty(field).EnumerateObject().Select(p => p.Name);
}
