using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using LoraLego.Fuzzing;
using LoraLego.Tests.Formats;
using Xunit;
using Xunit.Abstractions;

namespace LoraLego.Tests.Fuzz;

/// <summary>
/// The fuzzer's allocation bound (FuzzRunner.AllocationBound) on the valid inputs that stress it most:
/// a header of thousands of one-element tensors (each entry costs objects, not data) and F16 data
/// (each byte read becomes two bytes of float32, B twice). Also the regression test for the natural
/// sort of module names, which allocated two substrings per comparison (~1.5 KB per module).
/// </summary>
public sealed class AllocationProbeTests
{
    private readonly ITestOutputHelper _output;

    public AllocationProbeTests(ITestOutputHelper output) => _output = output;

    private (long Allocated, long Bound) Measure(string folder)
    {
        long input = 0, json = 0;
        foreach (var file in Directory.GetFiles(folder))
        {
            var bytes = File.ReadAllBytes(file);
            input += bytes.Length;
            json += file.EndsWith(".json", StringComparison.Ordinal) ? bytes.Length : (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        }

        FuzzRunner.LoadAndReadAll(folder); // warm-up: JIT, pools, statics
        long before = GC.GetAllocatedBytesForCurrentThread();
        FuzzRunner.LoadAndReadAll(folder);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        _output.WriteLine($"{allocated:N0} bytes allocated for {input:N0} input bytes ({json:N0} of JSON): {(double)allocated / input:F2}× input, {(double)allocated / json:F2}× JSON");
        return (allocated, FuzzRunner.AllocationBound(input, json));
    }

    [Theory]
    [InlineData(2000)]
    [InlineData(20000)]
    public void ManyTinyModules_StayWithinTheBound(int modules)
    {
        using var tmp = new TempFolder();
        var tensors = Enumerable.Range(0, modules).SelectMany(i => TestFiles.PeftLinear($"m.{i}.q_proj", 1, 1, 1, (ulong)i));
        var (allocated, bound) = Measure(TestFiles.WritePeft(tmp.Combine("tiny"), TestFiles.PeftConfig(1, 1), tensors));
        Assert.True(allocated <= bound, $"{allocated:N0} > bound {bound:N0}");
        // Before the natural sort stopped allocating, 20,000 modules cost 98 MB here (22× input).
        Assert.True(allocated < 18L * modules * 220, $"{allocated:N0} bytes: more than 18× the ~220 header bytes per module");
    }

    [Fact]
    public void F16Adapter_StaysWithinTheBound_AndTheBoundIsNotLoose()
    {
        using var tmp = new TempFolder();
        var tensors = Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            new TestTensor($"base_model.model.m.{i}.q_proj.lora_A.weight", "F16", new long[] { 16, 2048 }, TestFiles.Values(16 * 2048, (ulong)i)),
            new TestTensor($"base_model.model.m.{i}.q_proj.lora_B.weight", "F16", new long[] { 2048, 16 }, TestFiles.Values(16 * 2048, (ulong)i + 9)),
        });
        var (allocated, bound) = Measure(TestFiles.WritePeft(tmp.Combine("f16"), TestFiles.PeftConfig(16, 16), tensors));
        Assert.True(allocated <= bound, $"{allocated:N0} > bound {bound:N0}");
        // Reading 512 KiB of F16 as float32 (A and B transposed; B itself passes through a pooled buffer)
        // costs at least 2 × 2 × 256 KiB.
        Assert.True(allocated >= 4 * (256 << 10), $"{allocated:N0} is less than the float32 copies themselves");
    }
}
