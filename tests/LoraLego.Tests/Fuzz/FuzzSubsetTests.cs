using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.Fuzzing;
using LoraLego.Tests.Formats;
using Xunit;
using Xunit.Abstractions;

namespace LoraLego.Tests.Fuzz;

/// <summary>
/// A seeded slice of the fuzz campaign (bench/Fuzz runs the long one): every mutated adapter must
/// load and read, or fail with a LoraLegoException; never another exception, never over a second,
/// never allocating past 1 MiB + 4 × its input bytes + 32 × its JSON bytes (see FuzzRunner.AllocationBound).
/// </summary>
public sealed class FuzzSubsetTests : IClassFixture<FuzzSubsetTests.Seeds>
{
    private const ulong CampaignSeed = 20261124;
    private readonly Seeds _seeds;
    private readonly ITestOutputHelper _output;

    public FuzzSubsetTests(Seeds seeds, ITestOutputHelper output)
    {
        _seeds = seeds;
        _output = output;
    }

    [Fact]
    public void SeedsLoadWhole()
    {
        Assert.True(_seeds.List.Count >= 6, $"expected the 3 samples and 3 synthetic seeds, got {_seeds.List.Count}");
        foreach (var seed in _seeds.List)
        {
            var result = _seeds.Runner.Run(new FuzzCase(-1, seed, "Seed", "unchanged", seed.Files, seed.HasConfig ? null : seed.TensorFile));
            Assert.True(result.Outcome == FuzzResult.Loaded, result.Describe());
        }

        Assert.Contains(_seeds.List, s => s.Name.Contains("kohya", StringComparison.Ordinal));
        Assert.Contains(_seeds.List, s => s.Name.Contains("diffusers", StringComparison.Ordinal));
    }

    [Fact]
    public void MutatedAdaptersLoadOrFailWithAnErrorId()
    {
        var campaign = new FuzzCampaign(CampaignSeed);
        campaign.Run(_seeds.List, _seeds.Runner, first: 0, count: 400);
        _output.WriteLine(campaign.Report(_seeds.List));
        Assert.True(campaign.Failures.Count == 0, string.Join(Environment.NewLine, campaign.Failures.Select(f => f.Describe())));

        // The subset must actually reach the rules, not just bounce off the first check.
        Assert.True(campaign.ByOutcome.Count >= 15, $"only {campaign.ByOutcome.Count} distinct outcomes: {string.Join(", ", campaign.ByOutcome.Keys)}");
        Assert.True(campaign.ByOutcome.TryGetValue(FuzzResult.Loaded, out var loaded) && loaded > 20, "too few mutated adapters still loaded");
    }

    /// <summary>A few cases on the real adapters too (1–3 MB each, so fewer); skipped, saying why, without them.</summary>
    [RealFixtureFact]
    public void MutatedRealAdaptersLoadOrFailWithAnErrorId()
    {
        var root = SeedCatalog.FindRepoRoot(AppContext.BaseDirectory);
        var real = SeedCatalog.Load(root, Path.Combine(_seeds.Scratch, "real-seeds"), includeReal: true).Where(s => s.Name.StartsWith("real/", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, real.Count);
        var campaign = new FuzzCampaign(CampaignSeed + 1);
        campaign.Run(real, _seeds.Runner, first: 0, count: 60);
        _output.WriteLine(campaign.Report(real));
        Assert.True(campaign.Failures.Count == 0, string.Join(Environment.NewLine, campaign.Failures.Select(f => f.Describe())));
    }

    [Fact]
    public void CasesReplayFromTheirIndex()
    {
        var a = new Mutator(_seeds.List, CampaignSeed).Case(123);
        var b = new Mutator(_seeds.List, CampaignSeed).Case(123);
        Assert.Equal(a.ToString(), b.ToString());
        Assert.Equal(a.Files.Keys.OrderBy(k => k), b.Files.Keys.OrderBy(k => k));
        foreach (var key in a.Files.Keys) Assert.Equal(a.Files[key], b.Files[key]);
    }

    /// <summary>The measuring itself: a case whose loader allocates far past the bound is flagged.</summary>
    [Fact]
    public void AllocationBoundFlagsOversizedAllocations()
    {
        var seed = _seeds.List[0];
        var fake = new FuzzCase(0, seed, "Test", "bound check", seed.Files, null);
        var over = new FuzzResult(fake, FuzzResult.Loaded, false, null, TimeSpan.Zero, FuzzRunner.AllocationBound(fake.InputBytes, fake.JsonBytes) + 1, null);
        var under = new FuzzResult(fake, FuzzResult.Loaded, false, null, TimeSpan.Zero, FuzzRunner.AllocationBound(fake.InputBytes, fake.JsonBytes), null);
        Assert.True(over.IsFailure);
        Assert.False(under.IsFailure);
    }

    public sealed class Seeds : IDisposable
    {
        private readonly string _scratch = Path.Combine(Path.GetTempPath(), "loralego-fuzz-test-" + Guid.NewGuid().ToString("N"));

        public Seeds()
        {
            var root = SeedCatalog.FindRepoRoot(AppContext.BaseDirectory);
            List = SeedCatalog.Load(root, Path.Combine(_scratch, "seeds"), includeReal: false);
            Runner = new FuzzRunner(Path.Combine(_scratch, "run"));

            // Warm-up: JIT and static state are paid before anything is measured.
            foreach (var seed in List) Runner.Run(new FuzzCase(-1, seed, "Seed", "warm-up", seed.Files, seed.HasConfig ? null : seed.TensorFile));
        }

        public IReadOnlyList<FuzzSeed> List { get; }

        public FuzzRunner Runner { get; }

        public string Scratch => _scratch;

        public void Dispose()
        {
            try { Directory.Delete(_scratch, recursive: true); }
            catch (IOException) { }
        }
    }
}
