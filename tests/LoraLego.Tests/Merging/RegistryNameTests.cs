using System.Linq;
using LoraLego.Diagnostics;
using LoraLego.Merging;
using Xunit;

namespace LoraLego.Tests.Merging;

public class RegistryNameTests
{
    [Theory]
    [InlineData("DareTies", typeof(DareTiesMethod))]
    [InlineData("dare_ties", typeof(DareTiesMethod))]
    [InlineData("magnitude_prune", typeof(MagnitudePruneMethod))]
    [InlineData("KNOTS", typeof(KnotsMethod))]
    [InlineData("svd", typeof(SvdMethod))]
    public void PeftAndPascalSpellingsFindTheSameMethod(string name, System.Type expected) =>
        Assert.IsType(expected, MergeMethodRegistry.Get(name));

    [Fact]
    public void EveryIssueMethodIsRegisteredUnderItsDisplayName()
    {
        var names = MergeMethodRegistry.Names;
        foreach (var n in new[] { "Concat", "Svd", "Linear", "Ties", "Dare", "DareTies", "MagnitudePrune", "KnOTS", "Lego" })
            Assert.Contains(n, names);
    }

    [Fact]
    public void AnUnknownNameListsTheKnownOnes()
    {
        var e = Assert.Throws<LoraLegoException>(() => MergeMethodRegistry.Get("nope"));
        Assert.Equal("UnknownMergeMethod", e.ErrorId);
        Assert.Contains("DareTies", e.Message);
    }
}
