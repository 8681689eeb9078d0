using LoraLego.Diagnostics;
using LoraLego.Merging;
using Xunit;

namespace LoraLego.Tests.Merging;

public class MergeMethodRegistryTests
{
    [Fact]
    public void DiscoversTheMethodsInTheEngine()
    {
        var names = MergeMethodRegistry.Names;
        Assert.Contains("Concat", names);
        Assert.Contains("Svd", names);
        Assert.Contains("Lego", names);
    }

    [Theory]
    [InlineData("lego", typeof(LegoMethod))]
    [InlineData("SVD", typeof(SvdMethod))]
    [InlineData("Concat", typeof(ConcatMethod))]
    public void LooksUpNamesCaseInsensitively(string name, System.Type expected) =>
        Assert.IsType(expected, MergeMethodRegistry.Get(name));

    [Fact]
    public void UnknownNameThrowsWithStableErrorId()
    {
        var e = Assert.Throws<LoraLegoException>(() => MergeMethodRegistry.Get("nope"));
        Assert.Equal("UnknownMergeMethod", e.ErrorId);
        Assert.Equal(LoraErrorCategory.InvalidArgument, e.Category);
        Assert.Equal("nope", e.Target);
        Assert.False(MergeMethodRegistry.TryGet("nope", out _));
    }

    [Fact]
    public void DescribeRecordsLegoSettingsOnlyForLego()
    {
        var options = new MergeOptions { Rank = 8, Seed = 3 };
        options.Lego.ParameterReweighting = ParameterReweighting.MaxAbs;
        var lego = options.Describe("Lego");
        Assert.Equal("MaxAbs", lego["lego_parameter_reweighting"]);
        Assert.Equal("8", lego["rank"]);
        Assert.False(options.Describe("Svd").ContainsKey("lego_parameter_reweighting"));
    }
}
