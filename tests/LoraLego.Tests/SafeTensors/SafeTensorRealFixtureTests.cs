using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

/// <summary>Files written by PEFT/safetensors in the wild: they must open, read exactly, and copy byte for byte.</summary>
public class SafeTensorRealFixtureTests
{
    [RealFixtureFact]
    public void EveryRealAdapterReadsLikeAnIndependentParse()
    {
        string[] files = Directory.GetFiles(RealFixtures.Root!, "*.safetensors", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (string path in files)
        {
            byte[] bytes = File.ReadAllBytes(path);
            int n = (int)BitConverter.ToUInt64(bytes, 0);
            using JsonDocument header = JsonDocument.Parse(bytes.AsMemory(8, n));

            SafeTensorFile file = SafeTensorFile.Open(path);
            Assert.Equal(bytes.Length, file.FileLength);
            Assert.Equal(8 + n, file.DataStart);
            var expectedNames = header.RootElement.EnumerateObject().Select(p => p.Name).Where(k => k != "__metadata__").ToArray();
            Assert.Equal(expectedNames, file.Tensors.Select(t => t.Name));
            foreach (TensorInfo tensor in file.Tensors)
            {
                JsonElement entry = header.RootElement.GetProperty(tensor.Name);
                Assert.Equal(entry.GetProperty("dtype").GetString(), tensor.DType.ToString());
                Assert.Equal(entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), tensor.Shape);
                long begin = entry.GetProperty("data_offsets")[0].GetInt64();
                Assert.Equal(begin, tensor.DataBegin);
                Assert.Equal(SafeTensorDType.F32, tensor.DType); // every fixture is F32 (see its README)

                float[] values = file.ReadFloat32(tensor.Name);
                int start = 8 + n + (int)begin;
                for (int i = 0; i < values.Length; i++)
                {
                    Assert.Equal(BitConverter.ToInt32(bytes, start + 4 * i), BitConverter.SingleToInt32Bits(values[i]));
                }
            }
        }
    }

    [RealFixtureFact]
    public void RealAdapterCopiesTensorForTensorAndIsNotModified()
    {
        string source = Path.Combine(RealFixtures.Root!, "gpt2", "tigrinya", "adapter_model.safetensors");
        byte[] hashBefore = SHA256.HashData(File.ReadAllBytes(source));
        SafeTensorFile original = SafeTensorFile.Open(source);

        using var dir = new TempDirectory();
        string copy = dir.File("copy.safetensors");
        var specs = original.Tensors.Select(t => new TensorSpec(t.Name, t.DType, t.Shape.ToArray())).ToArray();
        using (var writer = new SafeTensorWriter(copy, specs, new Dictionary<string, string>(original.Metadata)))
        {
            foreach (TensorInfo tensor in original.Tensors)
            {
                writer.WriteTensor(tensor.Name, original.ReadFloat32(tensor.Name));
            }

            writer.Commit();
        }

        SafeTensorFile copied = SafeTensorFile.Open(copy);
        Assert.Equal(original.Metadata, copied.Metadata);
        foreach (TensorInfo tensor in original.Tensors)
        {
            Assert.Equal(original.ReadRaw(tensor), copied.ReadRaw(copied.GetTensor(tensor.Name)));
        }

        Assert.Equal(hashBefore, SHA256.HashData(File.ReadAllBytes(source)));
    }
}
