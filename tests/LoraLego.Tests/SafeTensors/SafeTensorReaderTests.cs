using System;
using System.IO;
using LoraLego.Diagnostics;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

/// <summary>The one-handle reader gives the same bytes and values as the per-call methods.</summary>
public class SafeTensorReaderTests
{
    [Fact]
    public void ReaderMatchesPerCallReadsInAnyOrder()
    {
        using var dir = new TempDirectory();
        string path = dir.File("many.safetensors");
        var rng = new Random(21);
        var specs = new[]
        {
            new TensorSpec("a", SafeTensorDType.BF16, new long[] { 300, 7 }),
            new TensorSpec("b", SafeTensorDType.F16, new long[] { 5, 9 }),
            new TensorSpec("c", SafeTensorDType.F32, new long[] { 70_001 }),
            new TensorSpec("d", SafeTensorDType.F64, new long[] { 3 }),
        };
        using (var writer = new SafeTensorWriter(path, specs, null))
        {
            foreach (TensorSpec spec in specs)
            {
                writer.WriteTensor(spec.Name, SafeTensorRoundTripTests.RandomFloats(rng, (int)(spec.Shape.Count == 2 ? spec.Shape[0] * spec.Shape[1] : spec.Shape[0])));
            }

            writer.Commit();
        }

        SafeTensorFile file = SafeTensorFile.Open(path);
        using SafeTensorReader reader = file.OpenReader();
        Assert.Same(file, reader.File);
        foreach (string name in new[] { "d", "a", "c", "b", "a" })
        {
            TensorInfo tensor = file.GetTensor(name);
            Assert.Equal(file.ReadFloat32(name), reader.ReadFloat32(name));
            Assert.Equal(file.ReadRaw(tensor), reader.ReadRaw(tensor));
            var span = new float[tensor.ElementCount];
            reader.ReadFloat32(tensor, span);
            Assert.Equal(file.ReadFloat32(name), span);
        }
    }

    [Fact]
    public void ReaderOnAChangedFileIsFileChanged()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"x\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
        SafeTensorFile file = SafeTensorFile.Open(path);
        File.AppendAllText(path, "more");
        SafeTensorAssert.Fails(SafeTensorsErrorKind.FileChanged, path, () => file.OpenReader(), category: LoraErrorCategory.ReadError);
    }

    [Fact]
    public void ReaderRefusesWorkAfterDispose()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"x\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
        SafeTensorFile file = SafeTensorFile.Open(path);
        SafeTensorReader reader = file.OpenReader();
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.ReadRaw(file.GetTensor("x")));
    }
}
