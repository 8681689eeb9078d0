using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;

namespace LoraLego.Fuzzing;

/// <summary>
/// Mutations of adapter_config.json: broken JSON, fields of the wrong type or range, patterns that
/// match nothing or are not regular expressions, duplicate keys, deep nesting, bytes that are not UTF-8.
/// Seeds without a config (kohya, diffusers) decline, and the mutator picks another mutation.
/// </summary>
internal static class ConfigMutations
{
    private const string Config = FuzzSeed.ConfigFile;

    private static readonly string[] Fields =
    {
        "r", "lora_alpha", "peft_type", "use_rslora", "use_dora", "fan_in_fan_out", "base_model_name_or_path", "task_type",
        "modules_to_save", "rank_pattern", "alpha_pattern", "target_modules",
    };

    private static readonly string[] Values =
    {
        "0", "-1", "1", "2", "16", "1.5", "1e400", "-1e400", "1e308", "9223372036854775808", "2147483648", "\"8\"", "null", "true", "[]", "{}",
        "\"LORA\"", "\"LOHA\"", "\"\"", "[1,2]", "[\"q_proj\", 3]", "{\"q_proj\": 8}", "{\"q_proj\": \"8\"}", "{\"(\": 4}", "{\"q_proj\": 1e400}",
        "{\"q_proj\": -3}", "{\"nothing_matches_this\": 4}", "{\"q_proj\": 0}", "\"" + new string('x', 10000) + "\"",
    };

    public static readonly (string, int, Func<FuzzSeed, FuzzRandom, Mutation?>)[] All =
    {
        ("ConfigField", 10, Field),
        ("ConfigBroken", 5, Broken),
        ("ConfigPatterns", 5, Patterns),
        ("ConfigMissing", 1, Missing),
    };

    private static Mutation? Field(FuzzSeed seed, FuzzRandom rng)
    {
        if (!seed.HasConfig) return null;
        var config = Open(seed);
        var field = rng.Pick(Fields);
        string detail;
        string text;
        if (rng.Chance(0.1))
        {
            config.Remove(field);
            text = config.ToJsonString();
            detail = $"\"{field}\" removed";
        }
        else
        {
            var value = rng.Chance(0.1) ? "NaN" : rng.Chance(0.1) ? "Infinity" : rng.Pick(Values);
            config.Remove(field);
            text = "{" + $"\"{field}\":{value}," + config.ToJsonString().Substring(1);
            detail = $"\"{field}\": {(value.Length > 40 ? value.Substring(0, 40) + "..." : value)}";
        }

        return With(seed, Encoding.UTF8.GetBytes(text), detail);
    }

    private static Mutation? Broken(FuzzSeed seed, FuzzRandom rng)
    {
        if (!seed.HasConfig) return null;
        var bytes = seed.Files[Config];
        switch (rng.Next(8))
        {
            case 0:
                int cut = rng.Next(bytes.Length);
                return With(seed, bytes.Take(cut).ToArray(), $"cut to {cut} bytes");
            case 1:
                var flipped = (byte[])bytes.Clone();
                int pos = rng.Next(flipped.Length);
                flipped[pos] ^= (byte)(1 << rng.Next(8));
                return With(seed, flipped, $"bit flipped in byte {pos}");
            case 2:
                return With(seed, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(bytes).ToArray(), "UTF-8 byte order mark");
            case 3:
                return With(seed, Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(bytes)), "UTF-16");
            case 4:
                var text = Encoding.UTF8.GetString(bytes);
                int q = text.IndexOf("\"base_model_name_or_path\": \"", StringComparison.Ordinal);
                var raw = bytes.ToList();
                raw.InsertRange(Math.Max(0, q >= 0 ? Encoding.UTF8.GetByteCount(text.Substring(0, q)) + 28 : 1), new byte[] { 0xFF, 0xFE, 0xC0 });
                return With(seed, raw.ToArray(), "invalid UTF-8 inside a string");
            case 5:
                int depth = rng.Pick(new[] { 63, 64, 65, 1000, 100_000 });
                return With(seed, Encoding.UTF8.GetBytes("{\"deep\":" + new string('[', depth) + new string(']', depth) + "," + Encoding.UTF8.GetString(bytes).TrimStart().Substring(1)), $"nested {depth} deep");
            case 6:
                var dup = Encoding.UTF8.GetString(bytes).TrimStart();
                return With(seed, Encoding.UTF8.GetBytes("{\"r\": 999, \"peft_type\": \"LOHA\"," + dup.Substring(1)), "r and peft_type twice");
            default:
                return With(seed, Encoding.UTF8.GetBytes(rng.Pick(new[] { "", "[]", "null", "\"LORA\"", "{", "{}" })), "replaced by a non-config");
        }
    }

    /// <summary>rank_pattern / alpha_pattern with keys that match nothing, match with the wrong rank, or are bad regexes.</summary>
    private static Mutation? Patterns(FuzzSeed seed, FuzzRandom rng)
    {
        if (!seed.HasConfig) return null;
        var config = Open(seed);
        var field = rng.Chance(0.5) ? "rank_pattern" : "alpha_pattern";
        var pattern = new JsonObject();
        int keys = rng.Pick(new[] { 1, 2, 5, 50 });
        string[] keyChoices = { "q_proj", "c_attn", "to_q", "nothing_here", "layers\\.0\\..*", ".*", "(", "[a-", "(a+)+b", "(.*a){12}", "", "\\", "q_proj|v_proj" };
        for (int i = 0; i < keys; i++)
        {
            var key = rng.Pick(keyChoices) + (i > 0 && rng.Chance(0.5) ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);
            pattern[key] = rng.Pick(new[] { 1, 2, 4, 8, 16, 64 });
        }

        config[field] = pattern;
        return With(seed, Encoding.UTF8.GetBytes(config.ToJsonString()), $"{field} = {Short(pattern.ToJsonString())}");
    }

    private static Mutation? Missing(FuzzSeed seed, FuzzRandom rng)
    {
        if (!seed.HasConfig) return null;
        var files = seed.Files.Where(kv => kv.Key != Config).ToDictionary(kv => kv.Key, kv => kv.Value);
        return new Mutation(files, "adapter_config.json missing");
    }

    private static JsonObject Open(FuzzSeed seed) => JsonNode.Parse(seed.Files[Config])!.AsObject();

    private static Mutation With(FuzzSeed seed, byte[] config, string detail) => new(seed.FilesWith(Config, config), detail);

    private static string Short(string s) => s.Length > 80 ? s.Substring(0, 80) + "..." : s;
}
