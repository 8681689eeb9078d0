using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Merging;
using LoraLego.Pipeline;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Pipeline;

/// <summary>Merge-LoraAdapter reads factors into recycled arrays: every method must give what it gives on fresh reads.</summary>
public class MergeStageRecyclingTests
{
    public static TheoryData<string> Methods() => new(MergeMethodRegistry.Names);

    [RealFixtureTheory]
    [MemberData(nameof(Methods))]
    public void EveryMethodMergesRecycledFactorsLikeFreshOnes(string name)
    {
        var method = MergeMethodRegistry.Get(name);
        var options = new MergeOptions { Rank = 6, Seed = 2, Density = 0.5 };

        // Fresh adapter objects for each side, so neither read is served from the other's cache.
        var fresh = Pools().Select(p => MergeStage.MergeModule(p, method, options, CancellationToken.None)).ToList();
        var recycler = new FactorRecycler();
        var recycled = Pools().Select(p => MergeStage.MergeModule(p, method, options, recycler, CancellationToken.None)).ToList();

        Assert.True(fresh.Count >= 2, $"{fresh.Count} modules");
        Assert.Equal(fresh.Count, recycled.Count);
        for (int m = 0; m < fresh.Count; m++)
        {
            Assert.Equal(fresh[m].A, recycled[m].A);
            Assert.Equal(fresh[m].BT, recycled[m].BT);
            Assert.Equal(fresh[m].Scale, recycled[m].Scale);
        }
    }

    // Two GPT-2 adapters, first layer only: enough modules for arrays to be reused, small enough for the dense methods.
    private static System.Collections.Generic.IReadOnlyList<ModulePool> Pools()
    {
        var adapters = new[] { "gpt2/emotion-cls", "gpt2/sentiment-cls" }.Select(n => AdapterLoader.Load(RealFixtures.Folder(n)));
        var units = PipelineHarness.Split(adapters).Where(u => u.Module.Contains(".h.0.") || u.Module.Contains(".h.1."));
        return PipelineHarness.Collect(units).Pools;
    }
}
