using System;
using System.Linq;
using LoraLego.Adapters;
using Xunit;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>What a written-and-read-back adapter must show: the same modules, scales and factors (or deltas).</summary>
internal static class RoundTripAsserts
{
    /// <summary>Same module names (identity keys), scales and, bit for bit, factors; same family when asked.</summary>
    public static void SameFactors(LoraAdapter expected, LoraAdapter actual, bool sameFamily = true)
    {
        if (sameFamily) Assert.Equal(expected.Family, actual.Family);
        Assert.Equal(expected.Modules.Select(m => m.Name), actual.Modules.Select(m => m.Name));
        foreach (var e in expected.Modules) SameFactors(e, actual.GetModule(e.Name)!, actual.Format.ToString());
    }

    public static void SameFactors(LoraModule expected, LoraModule actual, string what)
    {
        Assert.True(expected.Scale == actual.Scale, $"{what}: {expected.Name} scale {actual.Scale}, source {expected.Scale}");
        var (e, a) = (expected.ReadUnits(), actual.ReadUnits());
        Assert.True(e.A.AsSpan().SequenceEqual(a.A) && e.BT.AsSpan().SequenceEqual(a.BT), $"{what}: {expected.Name} factors changed");
    }

    /// <summary>
    /// Each expected delta (by module name) is in <paramref name="actual"/> within 1e-6 relative; modules the
    /// written file adds (absent parts of a fused layer, read back as their rows) are zero.
    /// </summary>
    public static void SameDeltas(Func<string, FactoredDelta?> expected, LoraAdapter actual, params string[] names)
    {
        foreach (var name in names)
        {
            var a = actual.GetModule(name);
            Assert.True(a is not null, $"{name} is not among {string.Join(", ", actual.Modules.Select(w => w.Name))}");
            double error = FactoredDelta.Of(a!).RelativeErrorTo(expected(name)!);
            Assert.True(error < 1e-6, $"{name}: relative error {error}");
        }

        foreach (var extra in actual.Modules.Where(m => expected(m.Name) is null))
            Assert.Equal(0.0, FactoredDelta.Of(extra).Norm());
    }
}
