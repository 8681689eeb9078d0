using System.IO;
using LoraLego.Adapters;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Families;

public class GitLfsPointerTests
{
    private const string Pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345678\n";

    [Fact]
    public void PointerFile_IsGitLfsPointer_WithOidSizeAndRemedy()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("style.safetensors");
        File.WriteAllText(file, Pointer);
        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(file));
        Assert.Equal("GitLfsPointer", e.ErrorId);
        Assert.Equal(file, e.Target);
        Assert.Contains("Git LFS pointer", e.Message);
        Assert.Contains("sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393", e.Message);
        Assert.Contains("12345678 bytes", e.Message);
        Assert.Contains("git lfs install", e.Message);
        Assert.Contains("git lfs pull", e.Message);
        Assert.DoesNotContain("header length", e.Message);
    }

    [Fact]
    public void PointerInPeftFolder_IsGitLfsPointer()
    {
        using var tmp = new TempFolder();
        var folder = tmp.Combine("peft");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), TestFiles.PeftConfig(4, 8));
        File.WriteAllText(Path.Combine(folder, "adapter_model.safetensors"), Pointer);
        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(folder));
        Assert.Equal("GitLfsPointer", e.ErrorId);
        Assert.Contains("adapter_model.safetensors", e.Message);
    }
}
