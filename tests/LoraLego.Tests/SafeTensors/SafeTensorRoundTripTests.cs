using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

public class SafeTensorRoundTripTests
{
    [Fact]
    public void WriterOutputReadsBackWithShapesMetadataAndValues()
    {
        using var dir = new TempDirectory();
        string path = dir.File("out.safetensors");
        var rng = new Random(7);
        float[] a = RandomFloats(rng, 6 * 5);
        float[] b = RandomFloats(rng, 4);
        var specs = new[]
        {
            new TensorSpec("layer.lora_A.weight", SafeTensorDType.F32, new long[] { 6, 5 }),
            new TensorSpec("scalar", SafeTensorDType.F32, Array.Empty<long>()),
            new TensorSpec("empty", SafeTensorDType.BF16, new long[] { 0, 3 }),
            new TensorSpec("layer.lora_B.weight", SafeTensorDType.F32, new long[] { 4 }),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" };
        using (var writer = new SafeTensorWriter(path, specs, metadata))
        {
            writer.WriteTensor("layer.lora_A.weight", a);
            writer.WriteTensor("scalar", new[] { 2.5f });
            writer.WriteTensor("empty", ReadOnlySpan<float>.Empty);
            writer.WriteTensor("layer.lora_B.weight", b);
            writer.Commit();
        }

        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Equal(new[] { "layer.lora_A.weight", "scalar", "empty", "layer.lora_B.weight" }, file.Tensors.Select(t => t.Name));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("ünïcode", file.Metadata["note"]);
        Assert.Equal(new long[] { 6, 5 }, file.GetTensor("layer.lora_A.weight").Shape);
        Assert.Empty(file.GetTensor("scalar").Shape);
        Assert.Equal(1, file.GetTensor("scalar").ElementCount);
        Assert.Equal(0, file.GetTensor("empty").ElementCount);
        Assert.Equal(a, file.ReadFloat32("layer.lora_A.weight"));
        Assert.Equal(new[] { 2.5f }, file.ReadFloat32("scalar"));
        Assert.Empty(file.ReadFloat32("empty"));
        Assert.Equal(b, file.ReadFloat32("layer.lora_B.weight"));
        Assert.Equal(0, file.DataStart % 8);
        Assert.Equal(new FileInfo(path).Length, file.FileLength);
    }

    internal static float[] RandomFloats(Random rng, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(rng.NextDouble() * 2 - 1);
        }

        return values;
    }
}
