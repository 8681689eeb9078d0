using System;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Formats;
using Xunit;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>
/// Every real fixture read, written in each format, read back: the same modules (by identity), the same
/// scales, and in F32 the very same factors (the scale is stated, never refolded), so a conversion there
/// and back gives the source's factors bit for bit.
/// </summary>
public class ConvertRoundTripTests
{
    private static readonly string[] Fixtures = { "sd15-unet/flowers", "sd15-unet/difusor", "gpt2/tigrinya", "gpt2/emotion-cls", "gpt2/sentiment-cls", "gpt2/causal-demo" };

    private static string Target(TempFolder tmp, string name, AdapterFormat format) =>
        tmp.Combine(name.Replace('/', '-') + "-" + format + (format == AdapterFormat.Peft ? string.Empty : ".safetensors"));

    [RealFixtureFact]
    public void EveryFixture_InEveryFormat_SameFactorsAndScales_OrRefusedWithAReason()
    {
        using var tmp = new TempFolder();
        foreach (var fixture in Fixtures)
        {
            var source = AdapterLoader.Load(RealFixtures.Folder(fixture));
            foreach (var format in new[] { AdapterFormat.Peft, AdapterFormat.Kohya, AdapterFormat.Diffusers })
            {
                var target = Target(tmp, fixture, format);
                if (source.Family == ModelFamily.Transformers && format != AdapterFormat.Peft)
                {
                    // An LLM has no kohya or diffusers consumer: refused, naming the module and the way out.
                    var e = Assert.Throws<AdapterException>(() => AdapterConverter.Convert(source, target, new AdapterWriteOptions { Format = format }));
                    Assert.Equal("OutputNameUnmapped", e.ErrorId);
                    Assert.Contains("Peft", e.Message);
                    Assert.False(File.Exists(target));
                    continue;
                }

                var written = AdapterLoader.Load(AdapterConverter.Convert(source, target, new AdapterWriteOptions { Format = format }));
                Assert.Equal(format, written.Format);
                AssertSameModules(source, written, $"{fixture} as {format}");

                // And back: the source's own format again, factor for factor.
                var back = AdapterLoader.Load(AdapterConverter.Convert(written, Target(tmp, fixture + "-back-from", format), new AdapterWriteOptions { Format = source.Format }));
                AssertSameModules(source, back, $"{fixture} via {format} and back");
            }
        }
    }

    [RealFixtureFact]
    public void Fixture_ToF16AndBack_WithinHalfPrecision()
    {
        using var tmp = new TempFolder();
        var source = AdapterLoader.Load(RealFixtures.Folder("sd15-unet/flowers"));
        var half = AdapterLoader.Load(AdapterConverter.Convert(source, tmp.Combine("half.safetensors"),
            new AdapterWriteOptions { Format = AdapterFormat.Kohya, DType = LoraLego.SafeTensors.SafeTensorDType.F16 }));
        Assert.Equal("F16", half.DType);
        foreach (var m in source.Modules.Take(6))
            Assert.True(FactoredDelta.Of(half.GetModule(m.Name)!).RelativeErrorTo(FactoredDelta.Of(m)) < 2e-3, m.Name);
    }

    private static void AssertSameModules(LoraAdapter expected, LoraAdapter actual, string what)
    {
        Assert.True(expected.ModuleCount == actual.ModuleCount, what);
        RoundTripAsserts.SameFactors(expected, actual);
    }
}
