using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Merging;
using LoraLego.Pipeline;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Pipeline;

/// <summary>The provenance Merge-LoraAdapter writes: laid out with pending hashes, finished with the real ones.</summary>
public sealed class MergeProvenanceTests
{
    private static LoraAdapter Adapter(TempFolder tmp, string name, ulong seed) =>
        AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine(name), TestFiles.PeftConfig(2, 4), TestFiles.PeftLinear("m.0.q_proj", 2, 8, 8, seed)));

    private static LoraUnit Centroid(LoraAdapter origin, int index, Dictionary<string, string> madeWith) =>
        new("lego", origin.Modules[0], index, TestFiles.Values(8, (ulong)index), TestFiles.Values(8, (ulong)index + 50), 1.0, "Lego", new[] { origin }, madeWith);

    [Fact]
    public void PendingHashesFinishedWithTheReal_IsTheProvenanceOfTheRealHashes()
    {
        using var tmp = new TempFolder();
        var units = PipelineHarness.Collect(PipelineHarness.Split(new[] { Adapter(tmp, "b", 2), Adapter(tmp, "a", 1) }));
        var sources = MergeStage.Sources(units);
        var options = new MergeOptions();

        var pending = MergeStage.Provenance(units, sources, "Concat", options, _ => SourceHashes.Pending);
        var finished = MergeStage.WithSourceHashes(pending, sources, s => s.ComputeSha256());
        var direct = MergeStage.Provenance(units, sources, "Concat", options);

        Assert.Equal(direct.OrderBy(kv => kv.Key), finished.OrderBy(kv => kv.Key));
        Assert.Equal(direct["loralego.sources"].Length, pending["loralego.sources"].Length);
        Assert.NotEqual(direct["loralego.sources"], pending["loralego.sources"]);
    }

    [Fact]
    public void UnitsMadeWith_ListsEachDistinctMapOnceInFirstSeenOrder()
    {
        using var tmp = new TempFolder();
        var origin = Adapter(tmp, "a", 1);
        var k2 = new Dictionary<string, string> { ["method"] = "Lego", ["k"] = "2" };
        var k2Again = new Dictionary<string, string> { ["k"] = "2", ["method"] = "Lego" }; // same pairs, filled the other way round
        var k3 = new Dictionary<string, string> { ["method"] = "Lego", ["k"] = "3" };
        var units = PipelineHarness.Collect(new[] { Centroid(origin, 0, k2), Centroid(origin, 1, k3), Centroid(origin, 2, k2Again), Centroid(origin, 3, new(k3)) });

        var provenance = MergeStage.Provenance(units, new[] { origin }, "Concat", new MergeOptions(), _ => SourceHashes.Pending);

        Assert.Equal("[{\"k\":\"2\",\"method\":\"Lego\"},{\"k\":\"3\",\"method\":\"Lego\"}]", provenance["loralego.units_made_with"]);
    }
}
