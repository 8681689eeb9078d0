using System;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Fuzz;

/// <summary>
/// rank_pattern / alpha_pattern keys that match no module load with a warning (PEFT ignores them);
/// a key that matches with the wrong rank is an error (the tensors contradict the config).
/// </summary>
public sealed class PatternWarningTests
{
    private static string Folder(TempFolder tmp, string patterns) =>
        TestFiles.WritePeft(tmp.Combine("a"), TestFiles.PeftConfig(4, 8, patterns), TestFiles.PeftLinear("model.layers.0.self_attn.q_proj", 4, 8, 8, 1));

    [Fact]
    public void UnmatchedKeys_LoadWithOneWarningEach()
    {
        using var tmp = new TempFolder();
        var adapter = AdapterLoader.Load(Folder(tmp, "\"rank_pattern\": {\"k_proj\": 16, \"q_proj\": 4}, \"alpha_pattern\": {\"layers\\\\.9\\\\..*\": 2}"));
        Assert.Equal(2, adapter.Warnings.Count);
        Assert.Contains(adapter.Warnings, w => w.Contains("rank_pattern key 'k_proj'", StringComparison.Ordinal));
        Assert.Contains(adapter.Warnings, w => w.Contains("alpha_pattern key 'layers\\.9\\..*'", StringComparison.Ordinal));
        Assert.Equal(8.0, adapter.Modules[0].Alpha);
    }

    [Fact]
    public void MatchedKeys_NoWarning()
    {
        using var tmp = new TempFolder();
        var adapter = AdapterLoader.Load(Folder(tmp, "\"rank_pattern\": {\"q_proj\": 4}, \"alpha_pattern\": {\"q_proj\": 2}"));
        Assert.Empty(adapter.Warnings);
        Assert.Equal(2.0 / 4, adapter.Modules[0].Scale);
    }

    [Fact]
    public void KeyGivingAnotherRankThanTheTensors_IsLoraRankMismatch()
    {
        using var tmp = new TempFolder();
        var e = Assert.ThrowsAny<LoraLegoException>(() => AdapterLoader.Load(Folder(tmp, "\"rank_pattern\": {\"q_proj\": 16}")));
        Assert.Equal(AdapterErrorIds.LoraRankMismatch, e.ErrorId);
        Assert.Contains("model.layers.0.self_attn.q_proj", e.Message, StringComparison.Ordinal);
    }
}
