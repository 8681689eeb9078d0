using System;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Analysis;
using LoraLego.Diagnostics;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Analysis;

public class SimilarityTests
{
    private static void AssertMatchesDense(ModuleSimilarity s, LoraModule x, LoraModule y)
    {
        var dx = Dense.Delta(x);
        var dy = Dense.Delta(y);
        double cosine = AnalysisAdapters.Inner(dx, dy) / (Dense.Frobenius(dx) * Dense.Frobenius(dy));
        Assert.True(Math.Abs(cosine - s.Cosine) <= 1e-9, $"{x.Name}: cosine {s.Cosine} vs dense {cosine}");
        Assert.Equal(AnalysisAdapters.Inner(dx, dy), s.Inner, 9);
        var (cx, rx) = AnalysisAdapters.Spaces(dx, SimilarityMeasurer.SubspaceTolerance);
        var (cy, ry) = AnalysisAdapters.Spaces(dy, SimilarityMeasurer.SubspaceTolerance);
        Assert.True(Math.Abs(AnalysisAdapters.MeanSquaredCosine(cx, cy) - s.ColumnOverlap) <= 1e-9, $"{x.Name}: column overlap {s.ColumnOverlap} vs dense principal angles");
        Assert.True(Math.Abs(AnalysisAdapters.MeanSquaredCosine(rx, ry) - s.RowOverlap) <= 1e-9, $"{x.Name}: row overlap {s.RowOverlap} vs dense principal angles");
    }

    [Fact]
    public void CosineAndOverlaps_MatchDenseDeltasAndPrincipalAngles()
    {
        using var tmp = new TempFolder();
        var x = AnalysisAdapters.Write(tmp, "x", seed: 21);
        var y = AnalysisAdapters.Write(tmp, "y", seed: 22, rank: 3, alpha: 5);
        foreach (var m in x.Modules) AssertMatchesDense(SimilarityMeasurer.Compare(m, y.GetModule(m.Name)!), m, y.GetModule(m.Name)!);
    }

    [Fact]
    public void CorrelatedAdapters_HaveLargeCosineAndOverlap()
    {
        using var tmp = new TempFolder();

        // y's B is x's B plus a little noise, its A is x's: a near-duplicate.
        var x = AnalysisAdapters.Write(tmp, "x", seed: 23);
        var noise = TestFiles.Values(10_000, 99);
        var y = AnalysisAdapters.Write(tmp, "y", seed: 23, editB: (m, o, k, v) => v + 0.05f * noise[(o * 6) + k]);
        foreach (var m in x.Modules)
        {
            var s = SimilarityMeasurer.Compare(m, y.GetModule(m.Name)!);
            AssertMatchesDense(s, m, y.GetModule(m.Name)!);
            Assert.True(s.Cosine > 0.9, $"{m.Name}: {s.Cosine}");
            Assert.Equal(1.0, s.RowOverlap, 9);
        }
    }

    [Fact]
    public void SameAdapter_IsOne_NegatedIsMinusOne_SubsetIsContained()
    {
        using var tmp = new TempFolder();
        var x = AnalysisAdapters.Write(tmp, "x", seed: 24);
        var again = AdapterLoader.Load(x.Path, "again");
        var negated = AnalysisAdapters.Write(tmp, "neg", seed: 24, editB: (m, o, k, v) => -v);
        var subset = AnalysisAdapters.Write(tmp, "sub", seed: 24, editB: (m, o, k, v) => k >= 2 ? 0 : v);
        var m0 = x.Modules[0];
        var same = SimilarityMeasurer.Compare(m0, again.Modules[0]);
        Assert.Equal(1.0, same.Cosine, 12);
        Assert.Equal(1.0, same.ColumnOverlap, 9);
        Assert.Equal(1.0, same.RowOverlap, 9);
        var opposite = SimilarityMeasurer.Compare(m0, negated.Modules[0]);
        Assert.Equal(-1.0, opposite.Cosine, 12);
        Assert.Equal(1.0, opposite.ColumnOverlap, 9);
        var contained = SimilarityMeasurer.Compare(m0, subset.Modules[0]);
        Assert.Equal(1.0, contained.ColumnOverlap, 9);
        Assert.Equal(1.0, contained.RowOverlap, 9);
        AssertMatchesDense(contained, m0, subset.Modules[0]);
    }

    [Fact]
    public void ZeroDelta_HasNaNCosineAndZeroOverlap()
    {
        using var tmp = new TempFolder();
        var x = AnalysisAdapters.Write(tmp, "x", seed: 25);
        var zero = AnalysisAdapters.Write(tmp, "z", seed: 25, editB: (m, o, k, v) => 0);
        var s = SimilarityMeasurer.Compare(x.Modules[0], zero.Modules[0]);
        Assert.True(double.IsNaN(s.Cosine));
        Assert.Equal(0, s.ColumnOverlap);
        Assert.Equal(0, s.OtherNorm);
    }

    [Fact]
    public void Plan_SummariesAreEnergyWeighted_AndMatrixIsSymmetric()
    {
        using var tmp = new TempFolder();
        var a = AnalysisAdapters.Write(tmp, "a", seed: 31);
        var b = AnalysisAdapters.Write(tmp, "b", seed: 32, modules: AnalysisAdapters.Modules.Take(3));
        var c = AnalysisAdapters.Write(tmp, "c", seed: 31, editB: (m, o, k, v) => v + 0.2f * TestFiles.Values(1, (ulong)(o * 7 + k))[0]);
        var plan = new SimilarityPlan(new[] { a, b, c });
        Assert.Equal(3, plan.Pairs.Count);
        var results = plan.Modules.SelectMany(m => plan.CompareModule(m)).ToList();
        var summaries = plan.Summarize(results);
        Assert.Equal(new[] { ("a", "b"), ("a", "c"), ("b", "c") }, summaries.Select(s => (s.Reference, s.Other)));

        var ab = summaries[0];
        Assert.Equal(3, ab.SharedModules);
        Assert.Equal(1, ab.OnlyInReference);
        Assert.Equal(0, ab.OnlyInOther);
        double inner = 0, weight = 0;
        foreach (var name in ab.Modules.Select(m => m.Module))
        {
            var (da, db) = (Dense.Delta(a.GetModule(name)!), Dense.Delta(b.GetModule(name)!));
            inner += AnalysisAdapters.Inner(da, db);
            weight += Dense.Frobenius(da) * Dense.Frobenius(db);
        }

        Assert.Equal(inner / weight, ab.Cosine, 9);
        Assert.Equal(ab.Modules.Min(m => m.Cosine), ab.MinCosine);
        Assert.Equal(ab.Modules.Max(m => m.Cosine), ab.MaxCosine);

        var matrix = plan.Matrix(summaries);
        Assert.Equal(new[] { "a", "b", "c" }, matrix.Adapters);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1.0, matrix.Cosine[i][i]);
            for (int j = 0; j < 3; j++) Assert.Equal(matrix.Cosine[i][j], matrix.Cosine[j][i]);
        }

        Assert.Equal(summaries[1].Cosine, matrix.Cosine[0][2]);
        Assert.Contains("[3] c", matrix.Format());
    }

    [Fact]
    public void Reference_RanksThePoolMostSimilarFirst_AndFiltersModules()
    {
        using var tmp = new TempFolder();
        var r = AnalysisAdapters.Write(tmp, "r", seed: 41);
        var far = AnalysisAdapters.Write(tmp, "far", seed: 42);
        var near = AnalysisAdapters.Write(tmp, "near", seed: 41, editB: (m, o, k, v) => v * 1.5f + 0.01f);
        var plan = new SimilarityPlan(new[] { far, r, near }, r, name => name.Contains("q_proj"));
        Assert.Equal(2, plan.Pairs.Count);
        Assert.All(plan.Modules, n => Assert.Contains("q_proj", n));
        var summaries = plan.Summarize(plan.Modules.SelectMany(m => plan.CompareModule(m)));
        Assert.Equal(new[] { "near", "far" }, summaries.Select(s => s.Other));
        Assert.All(summaries, s => Assert.Equal(2, s.SharedModules));
        Assert.All(summaries, s => Assert.Equal("r", s.Reference));
    }

    [Fact]
    public void DifferentShapes_AreRefusedNamingBothAdapters()
    {
        using var tmp = new TempFolder();
        var x = AnalysisAdapters.Write(tmp, "x", seed: 51, modules: AnalysisAdapters.Modules.Take(1));
        var wide = AnalysisAdapters.Write(tmp, "wide", seed: 52, modules: new[] { AnalysisAdapters.Modules[0] with { In = 80 } });
        var e = Assert.Throws<LoraLegoException>(() => SimilarityMeasurer.Compare(x.Modules[0], wide.Modules[0]));
        Assert.Equal("ModuleShapeMismatch", e.ErrorId);
        Assert.Contains("'x'", e.Message);
        Assert.Contains("'wide'", e.Message);
    }
}
