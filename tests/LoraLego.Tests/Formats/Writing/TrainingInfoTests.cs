using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Formats;
using Xunit;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>kohya ss_* / modelspec metadata read into TrainingInfo, and written truthfully for an output.</summary>
public class TrainingInfoTests
{
    private static readonly Dictionary<string, string> Kohya = new()
    {
        ["ss_base_model_version"] = "sdxl_base_v1-0",
        ["ss_network_module"] = "lycoris.kohya",
        ["ss_network_dim"] = "16",
        ["ss_network_alpha"] = "8.0",
        ["ss_network_args"] = "{\"algo\": \"locon\", \"conv_dim\": 8, \"conv_alpha\": 4}",
        ["ss_resolution"] = "(1024, 1024)",
        ["ss_num_epochs"] = "12",
        ["ss_steps"] = "3000",
        ["ss_tag_frequency"] = "{\"5_cat\": {\"cat\": 30, \" orange\": 5, \"sitting\": 7}, \"3_dog\": {\"cat\": 2, \"dog\": 20, \"orange\": 9}}",
        ["modelspec.architecture"] = "stable-diffusion-xl-v1-base/lora",
        ["modelspec.title"] = "pets",
        ["sshs_model_hash"] = "abc",
    };

    [Fact]
    public void Reads_VersionNetworkArgsResolutionEpochs_AndTagsSummedOverDatasets()
    {
        var info = TrainingInfo.From(Kohya)!;
        Assert.Equal(("sdxl_base_v1-0", "lycoris.kohya", "16", "8.0"), (info.BaseModelVersion, info.NetworkModule, info.NetworkDim, info.NetworkAlpha));
        Assert.Equal(new Dictionary<string, string> { ["algo"] = "locon", ["conv_alpha"] = "4", ["conv_dim"] = "8" }, info.NetworkArgs);
        Assert.Equal(("(1024, 1024)", 12, 3000, "pets"), (info.Resolution, info.Epochs, info.Steps, info.Title));
        Assert.Equal(new[] { ("cat", 32L), ("dog", 20L), ("orange", 14L), ("sitting", 7L) }, info.TopTags.Select(t => (t.Tag, t.Count)));
        Assert.Contains("sdxl_base_v1-0", info.ToString());
    }

    [Fact]
    public void NoTrainingKeys_IsNull_AndMalformedJson_IsEmptyNotAnError()
    {
        Assert.Null(TrainingInfo.From(new Dictionary<string, string> { ["format"] = "pt", ["loralego.method"] = "concat" }));
        var info = TrainingInfo.From(new Dictionary<string, string> { ["ss_tag_frequency"] = "{not json", ["ss_network_args"] = "[1]", ["ss_num_epochs"] = "None" })!;
        Assert.Empty(info.TopTags);
        Assert.Empty(info.NetworkArgs);
        Assert.Null(info.Epochs);
    }

    [Fact]
    public void Carried_KeepsWhatDescribesTheDeltas_NotTheNetworkShapeOrHashes()
    {
        var carried = TrainingInfo.Carried(Kohya).Select(kv => kv.Key).OrderBy(k => k, System.StringComparer.Ordinal);
        Assert.Equal(new[] { "modelspec.architecture", "ss_num_epochs", "ss_resolution", "ss_steps", "ss_tag_frequency" }, carried);
    }

    [Fact]
    public void AMergeWritesItsOwnNetworkDescription_NeverTheSources()
    {
        using var tmp = new TempFolder();
        var crafted = new CraftedOutput()
            .Add(new ModuleIdentity(ModelFamily.StableDiffusionXL, ModelComponent.TextEncoder, "text_model.encoder.layers.0.self_attn.q_proj"), 768, 768, 6, 1.0, 1);

        // A merge passes no carried metadata: whatever its sources said, the output says what it is.
        var file = crafted.Write(tmp.Combine("merged.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Kohya, Title = "merged" });
        var md = WriterHeader.Read(file).Metadata;
        Assert.Equal(("6", "6", "networks.lora"), (md["ss_network_dim"], md["ss_network_alpha"], md["ss_network_module"]));
        Assert.Equal(("sdxl_base_v1-0", "stable-diffusion-xl-v1-base/lora", "merged"), (md["ss_base_model_version"], md["modelspec.architecture"], md["modelspec.title"]));
        Assert.DoesNotContain("ss_tag_frequency", md.Keys);

        // A conversion carries the training description, but writes the network's own dim and alpha.
        var converted = crafted.Write(tmp.Combine("converted.safetensors"), new AdapterWriteOptions { Format = AdapterFormat.Kohya, CarriedMetadata = Kohya });
        var cmd = WriterHeader.Read(converted).Metadata;
        Assert.Equal(Kohya["ss_tag_frequency"], cmd["ss_tag_frequency"]);
        Assert.Equal(("6", "networks.lora"), (cmd["ss_network_dim"], cmd["ss_network_module"]));
        Assert.DoesNotContain("ss_network_args", cmd.Keys);
        Assert.DoesNotContain("sshs_model_hash", cmd.Keys);
    }
}
