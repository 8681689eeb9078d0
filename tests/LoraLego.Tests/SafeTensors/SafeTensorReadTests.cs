using System;
using System.Buffers.Binary;
using System.IO;
using LoraLego.Diagnostics;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

/// <summary>Reading tensors out of a valid file, and the failures that can happen while doing it.</summary>
public class SafeTensorReadTests
{
    [Fact]
    public void ReadRawReturnsTheStoredBytes()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"a\":{\"dtype\":\"I16\",\"shape\":[3],\"data_offsets\":[0,6]},\"b\":{\"dtype\":\"U8\",\"shape\":[5],\"data_offsets\":[6,11]}}", 11);
        byte[] all = File.ReadAllBytes(path);
        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Equal(all.AsSpan((int)file.DataStart + 6, 5).ToArray(), file.ReadRaw(file.GetTensor("b")));
        Assert.Equal(all.AsSpan((int)file.DataStart, 6).ToArray(), file.ReadRaw(file.GetTensor("a")));
    }

    [Fact]
    public void F64ReadsRoundLikeACast()
    {
        double[] values = { 0.1, -1e-300, 1e300, -1e300, double.NaN, double.PositiveInfinity, double.Epsilon, 3.4028235677973366e38, 1.0000000596046448, 1.0000001788139343, -0.0 };
        var data = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i * 8), BitConverter.DoubleToInt64Bits(values[i]));
        }

        using var dir = new TempDirectory();
        string path = dir.File("f64.safetensors");
        File.WriteAllBytes(path, CraftedFile.Bytes("{\"d\":{\"dtype\":\"F64\",\"shape\":[" + values.Length + "],\"data_offsets\":[0," + data.Length + "]}}", data));
        float[] read = SafeTensorFile.Open(path).ReadFloat32("d");
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits((float)values[i]), BitConverter.SingleToInt32Bits(read[i]));
        }
    }

    [Fact]
    public void ReadFloat32IntoSpanFillsExactlyTheTensor()
    {
        using var dir = new TempDirectory();
        string path = dir.File("span.safetensors");
        float[] values = SafeTensorRoundTripTests.RandomFloats(new Random(3), 10);
        using (var writer = new SafeTensorWriter(path, new[] { new TensorSpec("x", SafeTensorDType.F32, new long[] { 2, 5 }) }, null))
        {
            writer.WriteTensor("x", values);
            writer.Commit();
        }

        SafeTensorFile file = SafeTensorFile.Open(path);
        var buffer = new float[12];
        file.ReadFloat32(file.GetTensor("x"), buffer.AsSpan(1, 10));
        Assert.Equal(0f, buffer[0]);
        Assert.Equal(0f, buffer[11]);
        Assert.Equal(values, buffer.AsSpan(1, 10).ToArray());
        Assert.Throws<ArgumentException>(() => file.ReadFloat32(file.GetTensor("x"), new float[9]));
    }

    [Fact]
    public void TensorFromAnotherFileIsRefused()
    {
        using var dir = new TempDirectory();
        string header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        SafeTensorFile first = SafeTensorFile.Open(CraftedFile.Write(dir, header, 4, "a.safetensors"));
        SafeTensorFile second = SafeTensorFile.Open(CraftedFile.Write(dir, header, 4, "b.safetensors"));
        Assert.Throws<ArgumentException>(() => first.ReadRaw(second.GetTensor("x")));
    }

    [Fact]
    public void MissingTensorIsTensorNotFound()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.False(file.TryGetTensor("y", out _));
        SafeTensorAssert.Fails(SafeTensorsErrorKind.TensorNotFound, path, () => file.GetTensor("y"), "y", LoraErrorCategory.ObjectNotFound);
        SafeTensorAssert.Fails(SafeTensorsErrorKind.TensorNotFound, path, () => file.ReadFloat32("y"), "y", LoraErrorCategory.ObjectNotFound);
    }

    [Theory]
    [InlineData("I32", 4)]
    [InlineData("U8", 1)]
    [InlineData("F8_E4M3", 1)]
    [InlineData("C64", 8)]
    public void NonFloatDtypeReadAsFloatIsUnsupportedDType(string dtype, int bytes)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"x\":{\"dtype\":\"" + dtype + "\",\"shape\":[1],\"data_offsets\":[0," + bytes + "]}}", bytes);
        SafeTensorFile file = SafeTensorFile.Open(path);
        SafeTensorAssert.Fails(SafeTensorsErrorKind.UnsupportedDType, path, () => file.ReadFloat32("x"), "x", LoraErrorCategory.InvalidOperation);
        Assert.Equal(bytes, file.ReadRaw(file.GetTensor("x")).Length);
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        using var dir = new TempDirectory();
        string path = dir.File("absent.safetensors");
        SafeTensorAssert.Fails(SafeTensorsErrorKind.FileNotFound, path, () => SafeTensorFile.Open(path), category: LoraErrorCategory.ObjectNotFound);
        string inMissingFolder = dir.File(Path.Combine("no-such-folder", "x.safetensors"));
        SafeTensorAssert.Fails(SafeTensorsErrorKind.FileNotFound, inMissingFolder, () => SafeTensorFile.Open(inMissingFolder), category: LoraErrorCategory.ObjectNotFound);
    }

    [Fact]
    public void FolderInsteadOfFileIsReadFailed()
    {
        using var dir = new TempDirectory();
        SafeTensorAssert.Fails(SafeTensorsErrorKind.ReadFailed, dir.Path, () => SafeTensorFile.Open(dir.Path), category: LoraErrorCategory.ReadError);
    }

    [Fact]
    public void FileTruncatedAfterOpenIsFileChanged()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16);
        SafeTensorFile file = SafeTensorFile.Open(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(stream.Length - 4);
        }

        SafeTensorAssert.Fails(SafeTensorsErrorKind.FileChanged, path, () => file.ReadFloat32("x"), "x", LoraErrorCategory.ReadError);
    }

    [Fact]
    public void TensorBeyondArrayLimitIsTensorTooLargeWithoutAllocating()
    {
        using var dir = new TempDirectory();
        string path = dir.File("sparse.safetensors");
        const long count = 3L << 30; // 3 GiB of U8: more than one byte[] may hold
        byte[] header = System.Text.Encoding.UTF8.GetBytes("{\"x\":{\"dtype\":\"U8\",\"shape\":[" + count + "],\"data_offsets\":[0," + count + "]}}");
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(CraftedFile.Bytes(header));
            stream.SetLength(stream.Length + count); // sparse on Linux: no real disk use
        }

        SafeTensorFile file = SafeTensorFile.Open(path);
        long before = GC.GetAllocatedBytesForCurrentThread();
        SafeTensorAssert.Fails(SafeTensorsErrorKind.TensorTooLarge, path, () => file.ReadRaw(file.GetTensor("x")), "x", LoraErrorCategory.InvalidOperation);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    [Fact]
    public void OpenReadsOnlyTheHeaderAndDoesNotLockTheFile()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        SafeTensorFile file = SafeTensorFile.Open(path);

        // Another reader holding the file without write sharing must not stop us, and we hold no
        // handle after Open: the file can be deleted and replaced in between.
        using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Assert.Single(file.ReadFloat32("x"));
        }

        File.Delete(path);
        Assert.False(File.Exists(path));
    }
}
