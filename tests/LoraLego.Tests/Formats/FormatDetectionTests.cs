using System.IO;
using LoraLego.Adapters;
using Xunit;

namespace LoraLego.Tests.Formats;

public class FormatDetectionTests
{
    [Fact]
    public void FileMatchingNoFormat_IsAdapterFormatUnknown()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("model.safetensors");
        TestFiles.WriteSafeTensors(file, new[] { TestTensor.F32("transformer.h.0.attn.c_attn.weight", new long[] { 4, 4 }, TestFiles.Values(16, 1)) });
        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(file));
        Assert.Equal("AdapterFormatUnknown", e.ErrorId);
        Assert.Contains("transformer.h.0.attn.c_attn.weight", e.Message);

        var empty = tmp.Combine("empty.safetensors");
        TestFiles.WriteSafeTensors(empty, new TestTensor[0]);
        Assert.Equal("AdapterFormatUnknown", Assert.Throws<AdapterException>(() => AdapterLoader.Load(empty)).ErrorId);
    }

    [Fact]
    public void FolderWithSeveralFilesAndNoConfig_IsAdapterFolderAmbiguous()
    {
        using var tmp = new TempFolder();
        var dir = tmp.Combine("two");
        Directory.CreateDirectory(dir);
        TestFiles.WriteSafeTensors(Path.Combine(dir, "a.safetensors"), new[] { TestTensor.F32("x.lora_down.weight", new long[] { 1, 2 }, new float[2]) });
        TestFiles.WriteSafeTensors(Path.Combine(dir, "b.safetensors"), new[] { TestTensor.F32("x.lora_down.weight", new long[] { 1, 2 }, new float[2]) });
        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(dir));
        Assert.Equal("AdapterFolderAmbiguous", e.ErrorId);
        Assert.Contains("a.safetensors", e.Message);
    }

    [Fact]
    public void BrokenSafetensors_SurfacesTheCodecError()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("short.safetensors");
        File.WriteAllBytes(file, new byte[] { 1, 2, 3 });
        var e = Assert.ThrowsAny<LoraLego.Diagnostics.LoraLegoException>(() => AdapterLoader.Load(file));
        Assert.StartsWith("SafeTensors", e.ErrorId);
    }

    [Fact]
    public void KeysDecideTheFormat_NotTheFileName()
    {
        using var tmp = new TempFolder();
        var dir = tmp.Combine("x");
        Directory.CreateDirectory(dir);
        // A kohya file saved under the PEFT file name (no config beside it) is still kohya.
        var file = Path.Combine(dir, "adapter_model.safetensors");
        TestFiles.WriteSafeTensors(file, new[]
        {
            TestTensor.F32("lora_unet_mid_block_attentions_0_proj_in.lora_down.weight", new long[] { 1, 2 }, new float[] { 1, 2 }),
            TestTensor.F32("lora_unet_mid_block_attentions_0_proj_in.lora_up.weight", new long[] { 2, 1 }, new float[] { 3, 4 }),
        });
        var adapter = AdapterLoader.Load(file);
        Assert.Equal(AdapterFormat.Kohya, adapter.Format);
        Assert.Equal("x", adapter.Name);
        Assert.Equal(new[] { "proj_in" }, adapter.TargetModules);
    }
}
