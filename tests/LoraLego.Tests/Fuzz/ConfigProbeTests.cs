using System;
using System.Diagnostics;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Fuzz;

/// <summary>Config values the fuzzer reaches only by luck, pinned down one by one.</summary>
public sealed class ConfigProbeTests
{
    [Theory]
    [InlineData("\"lora_alpha\": 1e400")]
    [InlineData("\"lora_alpha\": -1e400")]
    [InlineData("\"r\": 2147483648")]
    [InlineData("\"r\": 0")]
    [InlineData("\"alpha_pattern\": {\"q_proj\": 1e400}")]
    [InlineData("\"rank_pattern\": {\"(\": 4}")]
    public void OutOfRangeConfigValuesAreConfigErrors(string field)
    {
        using var dir = new TempFolder();
        var folder = TestFiles.WritePeft(dir.Combine("a"), "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, " + field.Replace("\"r\": 4, ", string.Empty) + "}",
            TestFiles.PeftLinear("model.layers.0.self_attn.q_proj", 4, 8, 8, 1));
        var e = Assert.ThrowsAny<LoraLegoException>(() => AdapterLoader.Load(folder));
        Assert.Equal(AdapterErrorIds.AdapterConfigInvalid, e.ErrorId);
    }

    [Fact]
    public void CatastrophicPatternFailsFastWithAConfigError()
    {
        using var dir = new TempFolder();
        var module = "model." + new string('a', 40);
        var folder = TestFiles.WritePeft(dir.Combine("a"), "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"rank_pattern\": {\"(a|aa)*c\": 4}}",
            TestFiles.PeftLinear(module, 4, 8, 8, 1));
        var clock = Stopwatch.StartNew();
        var e = Assert.ThrowsAny<LoraLegoException>(() => AdapterLoader.Load(folder));
        Assert.Equal(AdapterErrorIds.AdapterConfigInvalid, e.ErrorId);
        Assert.Contains("(a|aa)*c", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }
}
