using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Pipeline;

/// <summary>Split | Merge (Concat) is the exact sum of the inputs' deltas, module by module, on real adapters.</summary>
public class ConcatExactnessTests
{
    [RealFixtureFact]
    public void FourGpt2AdaptersWithDifferentAlphasAndModuleSets() =>
        AssertConcatIsSum("gpt2/tigrinya", "gpt2/emotion-cls", "gpt2/sentiment-cls", "gpt2/causal-demo");

    [RealFixtureFact]
    public void TwoUnetAdaptersOfRanksFourAndEight() =>
        AssertConcatIsSum("sd15-unet/flowers", "sd15-unet/difusor");

    private static void AssertConcatIsSum(params string[] names)
    {
        var sources = names.Select(n => AdapterLoader.Load(RealFixtures.Folder(n))).ToList();
        var target = PipelineHarness.Temp("concat");
        try
        {
            var merged = PipelineHarness.Merge(PipelineHarness.Split(sources), target);
            var expectedModules = sources.SelectMany(s => s.Modules).Select(m => m.Name).Distinct().OrderBy(n => n).ToList();
            Assert.Equal(expectedModules, merged.Modules.Select(m => m.Name).OrderBy(n => n).ToList());
            foreach (var module in merged.Modules)
            {
                Assert.Equal(sources.Where(s => s.GetModule(module.Name) is not null).Sum(s => s.GetModule(module.Name)!.Rank), module.Rank);
                var expected = PipelineHarness.SumOfDeltas(sources, module.Name);
                var actual = Dense.Delta(module);
                Assert.True(Dense.RelativeError(actual, expected) < 1e-6, $"{module.Name}: relative error {Dense.RelativeError(actual, expected):E3}");
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(target)!, recursive: true);
        }
    }
}
