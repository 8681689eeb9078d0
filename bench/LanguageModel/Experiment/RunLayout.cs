using System;
using System.IO;

namespace LoraLego.Bench.LanguageModel.Experiment;

/// <summary>Where a profile's artefacts live in the cache (outside the repository).</summary>
internal sealed class RunLayout
{
    public RunLayout(string cache, BenchProfile profile)
    {
        Cache = cache;
        Root = Path.Combine(cache, "runs", profile.Name);
    }

    public string Cache { get; }

    public string Root { get; }

    public string BaseModel => Path.Combine(Root, "base.bin");

    public string BaseReport => Path.Combine(Root, "base.json");

    public string Lora(int seed, string domain) => Path.Combine(Root, "loras", $"seed{seed}", domain);

    public string LoraReport(int seed, string domain) => Path.Combine(Root, "loras", $"seed{seed}", domain + ".train.json");

    public string Results => Path.Combine(Root, "results.json");

    public string Markdown => Path.Combine(Root, "results.md");

    public static string DefaultCache()
    {
        var env = Environment.GetEnvironmentVariable("LORALEGO_LM_CACHE");
        if (!string.IsNullOrEmpty(env)) return env;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "loralego-lm");
    }
}
