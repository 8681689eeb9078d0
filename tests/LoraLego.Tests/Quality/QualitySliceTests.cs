using System.Linq;
using LoraLego.Bench.Quality;
using LoraLego.Bench.Quality.Model;
using LoraLego.Bench.Quality.Samples;
using LoraLego.Bench.Quality.Training;
using Xunit;

namespace LoraLego.Tests.Quality;

/// <summary>
/// A seeded slice of the quality benchmark (one seed, T = 2, small data): real training, real merges
/// through the registry, real held-out accuracy. It asserts only what the full run (docs/benchmarks.md,
/// "Quality") shows on every seed: the exact sum beats its rank-k truncation, which beats PEFT's
/// factor-wise linear merge, and no task collapses.
/// </summary>
public class QualitySliceTests
{
    // The same slice as the bench's `slice` mode (and Quality.Tests.ps1): one definition.
    private static readonly QualityConfig Slice = QualitySlice.Config(3);

    private static readonly SeedWorld World = SeedWorld.Build(Slice, 3, 2);

    [Fact]
    public void EachLoraSolvesItsTaskWhereTheBaseNetworkFails()
    {
        for (int t = 0; t < 2; t++)
        {
            Assert.True(World.SingleTestAccuracy[t] > 0.8, $"task {t}: own LoRA accuracy {World.SingleTestAccuracy[t]:F3}");
            Assert.True(World.SingleTestAccuracy[t] > World.BaseAccuracy[t] + 0.5, $"task {t}: base {World.BaseAccuracy[t]:F3}, LoRA {World.SingleTestAccuracy[t]:F3}");
        }
    }

    [Fact]
    public void ExactSumBeatsSvdBeatsLinearAtRankRAndNoTaskCollapses()
    {
        var tasks = new[] { 0, 1 };
        var loras = tasks.Select(t => World.Loras[t]).ToList();
        MergeScore Run(string method, bool usesRank)
        {
            var variant = new MergeVariant(method, method, usesRank);
            return Score(variant);
        }

        MergeScore Score(MergeVariant variant)
        {
            var merged = MergeScorer.Merge(World.Base, loras, variant, Slice.Rank, 3);
            return MergeScorer.Score(World, tasks, merged, Slice.ScaleGrid.Append(2.0));
        }

        var concat = Run("Concat", false);
        var svd = Run("Svd", true);
        var linear = Run("linear", false);
        Assert.Equal(2 * Slice.Rank, concat.MergedRank);
        Assert.Equal(Slice.Rank, svd.MergedRank);

        double c = concat.BestScaleScores.Average(), s = svd.BestScaleScores.Average(), l = linear.BestScaleScores.Average();
        Assert.True(c > s, $"concat {c:F3} vs svd {s:F3}");
        Assert.True(s > l, $"svd {s:F3} vs linear {l:F3}");
        Assert.All(concat.BestScaleScores, score => Assert.True(score > FloorExactSum, $"concat task score {score:F3}"));
        Assert.All(svd.BestScaleScores, score => Assert.True(score > FloorSvd, $"svd task score {score:F3}"));

        // The recommended Lego defaults keep every task above its floor too (their ranking against Svd is not robust at T = 2, so it is not asserted).
        var lego = Score(new MergeVariant("Lego", "Lego", true));
        Assert.Equal(Slice.Rank, lego.MergedRank);
        Assert.All(lego.BestScaleScores, score => Assert.True(score > FloorLegoDefaults, $"lego task score {score:F3}"));
    }

    [Fact]
    public void PeftRoundTripThroughTheProjectsWriterAndReaderKeepsEachDelta()
    {
        var folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "loralego-quality-" + System.Guid.NewGuid().ToString("N"));
        try
        {
            var loaded = AdapterFiles.RoundTrip(World.Base, World.Loras[1], folder, new System.Collections.Generic.Dictionary<string, string> { ["bench"] = "quality-test" });
            Assert.True(System.IO.File.Exists(System.IO.Path.Combine(folder, "adapter_model.safetensors")));
            Assert.True(System.IO.File.Exists(System.IO.Path.Combine(folder, "adapter_config.json")));
            for (int l = 0; l < World.Base.Layers; l++)
            {
                var expected = UnitBlocks.Dense(World.Loras[1][l]!);
                var actual = UnitBlocks.Dense(loaded[l]!);
                for (int o = 0; o < expected.GetLength(0); o++)
                    for (int i = 0; i < expected.GetLength(1); i++) Assert.Equal(expected[o, i], actual[o, i], 1e-5);
            }

            Assert.Equal(World.SingleTestAccuracy[1], Evaluation.Accuracy(World.Base, World.Tasks[1].Test, loaded), 3);
        }
        finally
        {
            if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, true);
        }
    }

    /// <summary>The full run's worst task under the exact sum at T = 2 scores 0.665 ± 0.130 over 8 seeds (docs/benchmarks.md); this is about mean − 2σ.</summary>
    private const double FloorExactSum = 0.4;

    /// <summary>Full run, T = 2, k = r, worst task: Svd 0.561 ± 0.121.</summary>
    private const double FloorSvd = 0.3;

    /// <summary>Full run, T = 2, k = r, worst task: Lego (defaults) 0.519 ± 0.128.</summary>
    private const double FloorLegoDefaults = 0.25;
}
