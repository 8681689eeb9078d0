using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace LoraLego.Adapters;

/// <summary>
/// What an adapter file says about its training: kohya-ss's ss_* metadata and the Stability AI
/// model spec (modelspec.*) keys, as A1111, ComfyUI and sd-scripts write them. Read from the header,
/// never trusted for the maths (ranks and alphas come from the tensors).
/// </summary>
public sealed class TrainingInfo
{
    /// <summary>sd-scripts' word for ranks or alphas that differ between modules (networks/resize_lora.py).</summary>
    public const string Dynamic = "Dynamic";

    /// <summary>How many tags <see cref="TopTags"/> keeps.</summary>
    public const int TopTagCount = 10;

    private TrainingInfo(IReadOnlyDictionary<string, string> md)
    {
        string? Get(string key) => md.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) && v != "None" ? v : null;
        BaseModelVersion = Get(Keys.BaseModelVersion);
        BaseModelName = Get("ss_sd_model_name");
        Architecture = Get(Keys.Architecture);
        Title = Get(Keys.Title) ?? Get("ss_output_name");
        NetworkModule = Get(Keys.NetworkModule);
        NetworkDim = Get(Keys.NetworkDim);
        NetworkAlpha = Get(Keys.NetworkAlpha);
        NetworkArgs = ParseArgs(Get(Keys.NetworkArgs));
        Resolution = Get(Keys.Resolution) ?? Get("modelspec.resolution");
        Epochs = GetInt(Get("ss_num_epochs"));
        Epoch = GetInt(Get("ss_epoch"));
        Steps = GetInt(Get("ss_steps")) ?? GetInt(Get("ss_max_train_steps"));
        TopTags = ParseTags(Get(Keys.TagFrequency));
    }

    /// <summary>ss_base_model_version (sd_v1, sd_v2, sdxl_base_v1-0, flux1, ...).</summary>
    public string? BaseModelVersion { get; }

    /// <summary>ss_sd_model_name: the checkpoint the adapter was trained on.</summary>
    public string? BaseModelName { get; }

    /// <summary>modelspec.architecture (stable-diffusion-v1/lora, stable-diffusion-xl-v1-base/lora, flux-1-dev/lora, ...).</summary>
    public string? Architecture { get; }

    /// <summary>modelspec.title, else ss_output_name.</summary>
    public string? Title { get; }

    /// <summary>ss_network_module (networks.lora, lycoris.kohya, ...).</summary>
    public string? NetworkModule { get; }

    /// <summary>ss_network_dim as written: a rank, or "Dynamic" when ranks differ.</summary>
    public string? NetworkDim { get; }

    /// <summary>ss_network_alpha as written: an alpha, or "Dynamic".</summary>
    public string? NetworkAlpha { get; }

    /// <summary>ss_network_args (JSON object: conv_dim, algo, ...) as strings; empty when absent or not an object.</summary>
    public IReadOnlyDictionary<string, string> NetworkArgs { get; }

    /// <summary>ss_resolution ("(512, 512)") or modelspec.resolution ("512x512").</summary>
    public string? Resolution { get; }

    /// <summary>ss_num_epochs.</summary>
    public int? Epochs { get; }

    /// <summary>ss_epoch: the epoch this file was saved at.</summary>
    public int? Epoch { get; }

    /// <summary>ss_steps (else ss_max_train_steps).</summary>
    public int? Steps { get; }

    /// <summary>The most frequent tags of ss_tag_frequency, counts summed over its datasets, most frequent first (ties by name).</summary>
    public IReadOnlyList<TagCount> TopTags { get; }

    /// <summary>The training info in <paramref name="metadata"/>, or null when it holds no ss_* or modelspec.* key.</summary>
    public static TrainingInfo? From(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Keys.Any(IsTrainingKey) ? new TrainingInfo(metadata) : null;

    /// <summary>kohya training metadata or model spec.</summary>
    public static bool IsTrainingKey(string key) =>
        key.StartsWith("ss_", StringComparison.Ordinal) || key.StartsWith("modelspec.", StringComparison.Ordinal) || key.StartsWith("sshs_", StringComparison.Ordinal);

    /// <summary>
    /// The training keys of <paramref name="metadata"/> that still describe the same deltas written
    /// again: not the network's shape (dim, alpha, module, args), the file hashes, or anything a
    /// writer computes for its output; those are written fresh or left out.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> Carried(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Where(kv => IsTrainingKey(kv.Key) && !Recomputed.Contains(kv.Key) && !kv.Key.StartsWith("sshs_", StringComparison.Ordinal));

    /// <summary>ss_base_model_version for a family, as sd-scripts writes it.</summary>
    public static string? BaseModelVersionOf(ModelFamily family) => family switch
    {
        ModelFamily.StableDiffusion1 => "sd_v1",
        ModelFamily.StableDiffusion2 => "sd_v2",
        ModelFamily.StableDiffusionXL => "sdxl_base_v1-0",
        ModelFamily.Flux1 => "flux1",
        _ => null,
    };

    /// <summary>modelspec.architecture of a LoRA for the family (sd-scripts' library/sai_model_spec.py); null for SD 2.x (512 or 768-v).</summary>
    public static string? ArchitectureOf(ModelFamily family) => family switch
    {
        ModelFamily.StableDiffusion1 => "stable-diffusion-v1/lora",
        ModelFamily.StableDiffusionXL => "stable-diffusion-xl-v1-base/lora",
        ModelFamily.Flux1 => "flux-1/lora",
        _ => null,
    };

    /// <summary>modelspec.implementation: the reference code of the family's layer names.</summary>
    public static string ImplementationOf(ModelFamily family) =>
        family == ModelFamily.Flux1 ? "https://github.com/black-forest-labs/flux" : "https://github.com/Stability-AI/generative-models";

    public override string ToString()
    {
        var parts = new List<string>();
        if ((BaseModelVersion ?? Architecture) is string b) parts.Add(b);
        if (NetworkDim is not null) parts.Add($"dim {NetworkDim}");
        if (NetworkAlpha is not null) parts.Add($"alpha {NetworkAlpha}");
        if (Epochs is int e) parts.Add($"{e} epochs");
        if (Steps is int s) parts.Add($"{s} steps");
        if (TopTags.Count > 0) parts.Add("tags: " + string.Join(", ", TopTags.Take(3).Select(t => t.Tag)));
        return string.Join("; ", parts);
    }

    private static readonly HashSet<string> Recomputed = new(StringComparer.Ordinal)
    {
        Keys.NetworkModule, Keys.NetworkDim, Keys.NetworkAlpha, Keys.NetworkArgs, Keys.BaseModelVersion, "ss_v2",
        Keys.SpecVersion, Keys.Implementation, Keys.Title, "modelspec.hash_sha256",
    };

    private static int? GetInt(string? value) =>
        value is not null && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static IReadOnlyDictionary<string, string> ParseArgs(string? json)
    {
        var args = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (json is null) return args;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return args;
            foreach (var p in doc.RootElement.EnumerateObject())
                args[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        }
        catch (JsonException)
        {
            // A hand-edited header: the args are shown as absent, the adapter still loads.
        }

        return args;
    }

    /// <summary>ss_tag_frequency is {"dataset": {"tag": count}}: counts are summed over datasets, tags trimmed.</summary>
    private static IReadOnlyList<TagCount> ParseTags(string? json)
    {
        if (json is null) return Array.Empty<TagCount>();
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return Array.Empty<TagCount>();
            foreach (var dataset in doc.RootElement.EnumerateObject())
            {
                if (dataset.Value.ValueKind != JsonValueKind.Object) continue;
                foreach (var tag in dataset.Value.EnumerateObject())
                {
                    if (tag.Value.ValueKind != JsonValueKind.Number || !tag.Value.TryGetInt64(out var n)) continue;
                    var name = tag.Name.Trim();
                    if (name.Length == 0) continue;
                    totals[name] = totals.TryGetValue(name, out var t) ? t + n : n;
                }
            }
        }
        catch (JsonException)
        {
            return Array.Empty<TagCount>();
        }

        return totals.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(TopTagCount).Select(kv => new TagCount(kv.Key, kv.Value)).ToList();
    }

    /// <summary>The metadata keys LoraLego reads or writes.</summary>
    public static class Keys
    {
        public const string BaseModelVersion = "ss_base_model_version";
        public const string NetworkModule = "ss_network_module";
        public const string NetworkDim = "ss_network_dim";
        public const string NetworkAlpha = "ss_network_alpha";
        public const string NetworkArgs = "ss_network_args";
        public const string Resolution = "ss_resolution";
        public const string TagFrequency = "ss_tag_frequency";
        public const string SpecVersion = "modelspec.sai_model_spec";
        public const string Architecture = "modelspec.architecture";
        public const string Implementation = "modelspec.implementation";
        public const string Title = "modelspec.title";
    }
}

/// <summary>A training tag and how often it appeared in the captions (summed over datasets).</summary>
public sealed class TagCount
{
    public TagCount(string tag, long count)
    {
        Tag = tag;
        Count = count;
    }

    public string Tag { get; }

    public long Count { get; }

    public override string ToString() => $"{Tag} ({Count.ToString(CultureInfo.InvariantCulture)})";
}
