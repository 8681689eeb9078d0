using Xunit;

namespace LoraLego.Tests;

public class SmokeTests
{
    [Fact]
    public void EngineAssemblyLoads() => Assert.Equal("LoraLego", typeof(LoraLego.Units.UnitBlock).Assembly.GetName().Name);
}
