using System;
using System.IO;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats;
using LoraLego.Tests.Formats;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Fuzz;

/// <summary>
/// An output appears whole or not at all: a producer that throws half way, a cancellation, and a
/// disk that fills up all leave no output and no temporary file, and an existing output replaced
/// with overwrite stays as it was when the new one fails.
/// </summary>
public sealed class WriteAtomicityTests
{
    private static LoraAdapter Source(TempFolder tmp, int modules, int width)
    {
        // Real SD 1.x UNet layers (names decide the family; widths aside), so kohya has names for them.
        var tensors = Enumerable.Range(0, modules).SelectMany(i => TestFiles.PeftLinear(UnetLayer(i), 8, width, width, (ulong)i + 1));
        return AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("source"), TestFiles.PeftConfig(8, 16), tensors));
    }

    private static string UnetLayer(int i) => $"down_blocks.{i / 12}.attentions.{i / 6 % 2}.transformer_blocks.0.attn{(i / 3 % 2) + 1}.to_{"qkv"[i % 3]}";

    private static string Write(LoraAdapter source, string target, AdapterFormat format, Func<OutputModule, int, UnitBlock>? produce = null, CancellationToken token = default, bool overwrite = false)
    {
        int calls = 0;
        produce ??= (m, _) => source.GetModule(m.Name)!.ReadUnits();
        return AdapterWriter.Write(target, source.Modules.Select(m => OutputModule.Like(m, m.Rank)).ToList(),
            (m, _) => produce(m, calls++), new AdapterWriteOptions { Format = format, Sources = new[] { source }, Overwrite = overwrite }, token);
    }

    /// <summary>Everything in <paramref name="folder"/> but the source adapter.</summary>
    private static string[] Leftovers(string folder) =>
        Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Where(n => n != "source").Select(n => n!).OrderBy(n => n, StringComparer.Ordinal).ToArray();

    [Theory]
    [InlineData(AdapterFormat.Peft, false)]
    [InlineData(AdapterFormat.Peft, true)]
    [InlineData(AdapterFormat.Kohya, false)]
    [InlineData(AdapterFormat.Kohya, true)]
    public void ModuleThatFailsHalfWay_LeavesNothing(AdapterFormat format, bool engineError)
    {
        using var tmp = new TempFolder();
        var source = Source(tmp, 6, 16);
        var target = tmp.Combine(format == AdapterFormat.Peft ? "merged" : "merged.safetensors");
        Exception Boom() => engineError
            ? new LoraLegoException("TestModuleFailed", LoraErrorCategory.InvalidOperation, "m", "module 3 failed")
            : new InvalidOperationException("a bug in a merge method");

        var e = Assert.ThrowsAny<Exception>(() => Write(source, target, format, (m, call) => call == 3 ? throw Boom() : source.GetModule(m.Name)!.ReadUnits()));

        Assert.Equal(engineError ? typeof(LoraLegoException) : typeof(InvalidOperationException), e.GetType());
        Assert.Empty(Leftovers(tmp.Path));
    }

    [Fact]
    public void CancelledHalfWay_LeavesNothing()
    {
        using var tmp = new TempFolder();
        var source = Source(tmp, 6, 16);
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => Write(source, tmp.Combine("merged"), AdapterFormat.Peft, (m, call) =>
        {
            if (call == 2) cts.Cancel();
            return source.GetModule(m.Name)!.ReadUnits();
        }, cts.Token));
        Assert.Empty(Leftovers(tmp.Path));
    }

    [Fact]
    public void FailedOverwrite_KeepsTheOldOutputByteForByte()
    {
        using var tmp = new TempFolder();
        var source = Source(tmp, 4, 16);
        var target = Write(source, tmp.Combine("merged"), AdapterFormat.Peft);
        var before = Directory.GetFiles(target).OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();

        Assert.ThrowsAny<LoraLegoException>(() => Write(source, target, AdapterFormat.Peft,
            (m, call) => call == 2 ? throw new LoraLegoException("TestModuleFailed", LoraErrorCategory.InvalidOperation, "m", "boom") : source.GetModule(m.Name)!.ReadUnits(), overwrite: true));

        var after = Directory.GetFiles(target).OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i], after[i]);
        Assert.Equal(new[] { "merged" }, Leftovers(tmp.Path));
    }

    /// <summary>A real full disk: a 256 KiB tmpfs and a 384 KiB adapter. The write fails with a write error and the disk is left empty.</summary>
    [SmallDiskFact]
    public void DiskFull_WriteErrorAndNothingLeft()
    {
        using var tmp = new TempFolder();
        var source = Source(tmp, 12, 512); // 12 modules × (8×512 + 512×8) floats × 4 bytes = 384 KiB
        Assert.True(new FileInfo(source.TensorFilePath).Length > 256 * 1024, "the adapter must not fit the disk");
        foreach (var format in new[] { AdapterFormat.Peft, AdapterFormat.Kohya })
        {
            using var disk = SmallDisk.Mount(256);
            var target = Path.Combine(disk.Path, format == AdapterFormat.Peft ? "merged" : "merged.safetensors");
            var e = Assert.ThrowsAny<LoraLegoException>(() => Write(source, target, format));
            Assert.Contains(e.ErrorId, new[] { "SafeTensorsWriteFailed", AdapterErrorIds.OutputWriteFailed });
            Assert.Equal(LoraErrorCategory.WriteError, e.Category);
            Assert.Empty(Directory.EnumerateFileSystemEntries(disk.Path));
        }
    }

    /// <summary>
    /// The tensors fit exactly, the config does not: tmpfs counts whole 4 KiB pages, so a disk the
    /// size of the tensor file rounded up to a page has no page left for adapter_config.json.
    /// Regression: the config write's IOException escaped as a raw IOException.
    /// </summary>
    [SmallDiskFact]
    public void DiskFullAtTheConfig_OutputWriteFailedAndNothingLeft()
    {
        using var tmp = new TempFolder();
        var source = Source(tmp, 3, 500);
        var probe = Write(source, tmp.Combine("probe"), AdapterFormat.Peft);
        long tensorBytes = new FileInfo(Path.Combine(probe, "adapter_model.safetensors")).Length;
        Assert.NotEqual(0, tensorBytes % 4096);
        using var disk = SmallDisk.Mount((int)((tensorBytes + 4095) / 4096 * 4));
        var e = Assert.ThrowsAny<LoraLegoException>(() => Write(source, Path.Combine(disk.Path, "merged"), AdapterFormat.Peft));
        Assert.Equal(AdapterErrorIds.OutputWriteFailed, e.ErrorId);
        Assert.Contains("config", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(disk.Path));
    }

    /// <summary>Regression: a target whose parent is a file made the staging folder throw a raw IOException.</summary>
    [Fact]
    public void ParentIsAFile_OutputWriteFailed()
    {
        using var tmp = new TempFolder();
        var source = Source(tmp, 2, 16);
        File.WriteAllText(tmp.Combine("file"), "not a folder");
        var e = Assert.ThrowsAny<LoraLegoException>(() => Write(source, tmp.Combine("file", "merged"), AdapterFormat.Peft));
        Assert.Equal(AdapterErrorIds.OutputWriteFailed, e.ErrorId);
        Assert.Equal(LoraErrorCategory.WriteError, e.Category);
    }

    /// <summary>The same adapter fits a disk twice its size: the failure above is the disk, not the test.</summary>
    [SmallDiskFact]
    public void DiskWithRoom_WritesTheAdapter()
    {
        using var tmp = new TempFolder();
        var source = Source(tmp, 12, 512);
        using var disk = SmallDisk.Mount(2048);
        var written = AdapterLoader.Load(Write(source, Path.Combine(disk.Path, "merged"), AdapterFormat.Peft));
        Assert.Equal(source.ModuleCount, written.ModuleCount);
        Assert.Equal(new[] { "merged" }, Directory.EnumerateFileSystemEntries(disk.Path).Select(Path.GetFileName));
    }
}
