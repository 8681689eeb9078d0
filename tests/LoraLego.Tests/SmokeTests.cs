using Xunit;

namespace LoraLego.Tests;

public class SmokeTests
{
    [Fact]
    public void EngineAssemblyLoads() => Assert.Equal("LoraLego", typeof(LoraLego.Placeholder).Assembly.GetName().Name);
}
