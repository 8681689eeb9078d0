using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Pipeline;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Fuzz;

/// <summary>NaN and ±Inf in what a merge would use are found and named: adapter, module, tensor, position.</summary>
public sealed class NonFiniteWeightsTests
{
    private const string Module = "model.layers.0.self_attn.q_proj";

    /// <summary>A PEFT adapter with r=4, in=6, out=5 and the given values poked into A and B (row-major).</summary>
    private static LoraAdapter Adapter(TempFolder tmp, string name, IDictionary<int, float>? inA = null, IDictionary<int, float>? inB = null)
    {
        var a = TestFiles.Values(4 * 6, 1);
        var b = TestFiles.Values(5 * 4, 2);
        foreach (var (i, v) in inA ?? new Dictionary<int, float>()) a[i] = v;
        foreach (var (i, v) in inB ?? new Dictionary<int, float>()) b[i] = v;
        return AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine(name), TestFiles.PeftConfig(4, 8), new[]
        {
            TestTensor.F32($"base_model.model.{Module}.lora_A.weight", new long[] { 4, 6 }, a),
            TestTensor.F32($"base_model.model.{Module}.lora_B.weight", new long[] { 5, 4 }, b),
        }));
    }

    private static ModulePool Pool(params LoraAdapter[] adapters)
    {
        var units = new UnitCollector();
        foreach (var adapter in adapters)
        {
            foreach (var m in adapter.Modules)
            {
                for (int i = 0; i < m.Rank; i++) units.Add(new LoraUnit(m, i, 1.0));
            }
        }

        return units.Pools.Single();
    }

    [Fact]
    public void FiniteAdapters_HaveNoFindings()
    {
        using var tmp = new TempFolder();
        Assert.Empty(NonFiniteWeights.Scan(Pool(Adapter(tmp, "x"), Adapter(tmp, "y"))));
    }

    [Fact]
    public void NaNInB_IsNamedWithItsElementIndex()
    {
        using var tmp = new TempFolder();
        // B is [out=5, r=4]: flat index 4*3 + 2 is element [3, 2]; index 17 is [4, 1].
        var bad = Adapter(tmp, "bad", inB: new Dictionary<int, float> { [(4 * 3) + 2] = float.NaN, [17] = float.PositiveInfinity });
        var findings = NonFiniteWeights.Scan(Pool(Adapter(tmp, "good"), bad));

        var f = Assert.Single(findings);
        Assert.Equal(("bad", Module, $"base_model.model.{Module}.lora_B.weight"), (f.Adapter, f.Module, f.Tensor));
        Assert.Equal(2, f.Count);
        Assert.True(double.IsNaN(f.FirstValue) || double.IsPositiveInfinity(f.FirstValue));

        var error = NonFiniteWeights.Error(findings, "/out/merged");
        Assert.Equal("NonFiniteWeights", error.ErrorId);
        Assert.Contains("'bad'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Module, error.Message, StringComparison.Ordinal);
        Assert.Contains("lora_B.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InfInA_IsNamedAtRowAndColumn()
    {
        using var tmp = new TempFolder();
        // A is [r=4, in=6]: flat index 6*2 + 5 is element [2, 5].
        var f = Assert.Single(NonFiniteWeights.Scan(Pool(Adapter(tmp, "bad", inA: new Dictionary<int, float> { [(6 * 2) + 5] = float.NegativeInfinity }))));
        Assert.Equal(($"base_model.model.{Module}.lora_A.weight", "[2, 5]", double.NegativeInfinity), (f.Tensor, f.FirstPosition, f.FirstValue));
    }

    /// <summary>Only the units in the pool count: a NaN in a rank nobody picked does not block the merge.</summary>
    [Fact]
    public void NaNOutsideThePooledUnits_IsNotAFinding()
    {
        using var tmp = new TempFolder();
        var bad = Adapter(tmp, "bad", inA: new Dictionary<int, float> { [6 * 3] = float.NaN }); // row 3 = unit 3
        var units = new UnitCollector();
        for (int i = 0; i < 3; i++) units.Add(new LoraUnit(bad.Modules[0], i, 1.0));
        Assert.Empty(NonFiniteWeights.Scan(units.Pools.Single()));
        units.Add(new LoraUnit(bad.Modules[0], 3, 1.0));
        Assert.Equal("[3, 0]", Assert.Single(NonFiniteWeights.Scan(units.Pools.Single())).FirstPosition);
    }

    /// <summary>A kohya alpha tensor holding NaN makes the scale NaN: named by the alpha key.</summary>
    [Fact]
    public void NaNAlphaTensor_IsNamed()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("k.safetensors");
        TestFiles.WriteSafeTensors(file, new[]
        {
            TestTensor.F32("lora_unet_x_to_q.lora_down.weight", new long[] { 2, 3 }, TestFiles.Values(6, 3)),
            TestTensor.F32("lora_unet_x_to_q.lora_up.weight", new long[] { 3, 2 }, TestFiles.Values(6, 4)),
            TestTensor.F32("lora_unet_x_to_q.alpha", Array.Empty<long>(), new[] { float.NaN }),
        });
        var f = Assert.Single(NonFiniteWeights.Scan(Pool(AdapterLoader.Load(file))));
        Assert.Equal("lora_unet_x_to_q.alpha", f.Tensor);
        Assert.Equal(2, f.Count); // both units carry the NaN scale
    }
}
