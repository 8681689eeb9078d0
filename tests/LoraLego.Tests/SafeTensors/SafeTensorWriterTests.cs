using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using LoraLego.Diagnostics;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

public class SafeTensorWriterTests
{
    private static readonly TensorSpec[] TwoTensors =
    {
        new TensorSpec("b.first", SafeTensorDType.F32, new long[] { 3 }),
        new TensorSpec("a.second", SafeTensorDType.BF16, new long[] { 1, 5 }),
    };

    [Fact]
    public void HeaderIsLaidOutLikeTheReferenceWriter()
    {
        using var dir = new TempDirectory();
        string path = dir.File("layout.safetensors");
        WriteTwo(path, new Dictionary<string, string> { ["format"] = "pt" });

        byte[] bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + n) % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"}", header);
        string trimmed = header.TrimEnd(' ');
        Assert.EndsWith("}", trimmed);
        Assert.True(header.Length - trimmed.Length < 8, "padding is under 8 spaces");

        using JsonDocument doc = JsonDocument.Parse(trimmed);
        string[] keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "__metadata__", "b.first", "a.second" }, keys);
        Assert.Equal(new[] { 0L, 12L }, doc.RootElement.GetProperty("b.first").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(new[] { 12L, 22L }, doc.RootElement.GetProperty("a.second").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(8 + n + 22, bytes.Length);
    }

    [Fact]
    public void NullMetadataWritesNoMetadataEntry()
    {
        using var dir = new TempDirectory();
        string path = dir.File("nometa.safetensors");
        WriteTwo(path, null);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.DoesNotContain("__metadata__", Encoding.UTF8.GetString(bytes));
        Assert.Empty(SafeTensorFile.Open(path).Metadata);
    }

    [Fact]
    public void EmptyTensorListWritesAValidEmptyFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("empty.safetensors");
        using (var writer = new SafeTensorWriter(path, Array.Empty<TensorSpec>(), null))
        {
            writer.Commit();
        }

        Assert.Empty(SafeTensorFile.Open(path).Tensors);
        Assert.Equal(16, new FileInfo(path).Length); // 8 + "{}" padded to 8
    }

    [Fact]
    public void RawTensorsOfAnyDtypeAreWrittenAsGiven()
    {
        using var dir = new TempDirectory();
        string path = dir.File("raw.safetensors");
        byte[] ints = { 1, 0, 0, 0, 255, 255, 255, 255 };
        byte[] f4 = { 0x12, 0x34 };
        var specs = new[] { new TensorSpec("i", SafeTensorDType.I32, new long[] { 2 }), new TensorSpec("q", SafeTensorDType.F4, new long[] { 4 }) };
        using (var writer = new SafeTensorWriter(path, specs, null))
        {
            writer.WriteTensorRaw("i", ints);
            writer.WriteTensorRaw("q", f4);
            writer.Commit();
        }

        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Equal(ints, file.ReadRaw(file.GetTensor("i")));
        Assert.Equal(f4, file.ReadRaw(file.GetTensor("q")));
    }

    [Fact]
    public void OutputCreatedDuringTheWriteIsOutputExistsAndKept()
    {
        using var dir = new TempDirectory();
        string path = dir.File("race.safetensors");
        using var writer = new SafeTensorWriter(path, TwoTensors, null);
        writer.WriteTensor("b.first", new float[3]);
        writer.WriteTensor("a.second", new float[5]);
        File.WriteAllText(path, "someone else's");
        SafeTensorAssert.Fails(SafeTensorsErrorKind.OutputExists, path, () => writer.Commit(), category: LoraErrorCategory.ResourceExists);
        Assert.Equal("someone else's", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void FloatsIntoF64AreWidenedExactly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("f64.safetensors");
        float[] values = { 0.1f, -3.5e-42f, float.MaxValue, float.NegativeInfinity };
        using (var writer = new SafeTensorWriter(path, new[] { new TensorSpec("d", SafeTensorDType.F64, new long[] { 4 }) }, null))
        {
            writer.WriteTensor("d", values);
            writer.Commit();
        }

        SafeTensorFile file = SafeTensorFile.Open(path);
        byte[] raw = file.ReadRaw(file.GetTensor("d"));
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal((double)values[i], BitConverter.ToDouble(raw, 8 * i));
        }

        Assert.Equal(values, file.ReadFloat32("d"));
    }

    [Fact]
    public void ExistingOutputIsOutputExistsAndLeftUntouched()
    {
        using var dir = new TempDirectory();
        string path = dir.File("taken.safetensors");
        File.WriteAllText(path, "keep me");
        SafeTensorAssert.Fails(SafeTensorsErrorKind.OutputExists, path, () => new SafeTensorWriter(path, TwoTensors, null), category: LoraErrorCategory.ResourceExists);
        Assert.Equal("keep me", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void FolderAtTheOutputPathIsOutputExistsEvenWithOverwrite()
    {
        using var dir = new TempDirectory();
        string path = dir.File("folder.safetensors");
        Directory.CreateDirectory(path);
        SafeTensorAssert.Fails(SafeTensorsErrorKind.OutputExists, path, () => new SafeTensorWriter(path, TwoTensors, null, overwrite: true), category: LoraErrorCategory.ResourceExists);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void OverwriteReplacesTheExistingFileOnCommitOnly()
    {
        using var dir = new TempDirectory();
        string path = dir.File("replace.safetensors");
        File.WriteAllText(path, "old");
        using (var writer = new SafeTensorWriter(path, TwoTensors, null, overwrite: true))
        {
            writer.WriteTensor("b.first", new[] { 1f, 2f, 3f });
            Assert.Equal("old", File.ReadAllText(path));
            writer.WriteTensor("a.second", new[] { 1f, 2f, 3f, 4f, 5f });
            writer.Commit();
        }

        Assert.Equal(new[] { 1f, 2f, 3f }, SafeTensorFile.Open(path).ReadFloat32("b.first"));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void DisposeWithoutCommitLeavesNothing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("abandoned.safetensors");
        using (var writer = new SafeTensorWriter(path, TwoTensors, null))
        {
            writer.WriteTensor("b.first", new[] { 1f, 2f, 3f });
            Assert.Single(Directory.GetFiles(dir.Path)); // the temporary file, in the target folder
            Assert.False(File.Exists(path));
        }

        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void MissingTargetFolderIsWriteFailed()
    {
        using var dir = new TempDirectory();
        string path = dir.File(Path.Combine("missing", "out.safetensors"));
        SafeTensorAssert.Fails(SafeTensorsErrorKind.WriteFailed, path, () => new SafeTensorWriter(path, TwoTensors, null), category: LoraErrorCategory.WriteError);
    }

    [Theory]
    [InlineData("dup", "dup", 2L)]
    [InlineData("neg", "other", -1L)]
    [InlineData("__metadata__", "other", 1L)]
    public void BadSpecIsInvalidTensorSpec(string first, string second, long dim)
    {
        using var dir = new TempDirectory();
        string path = dir.File("spec.safetensors");
        var specs = new[] { new TensorSpec(first, SafeTensorDType.F32, new[] { dim }), new TensorSpec(second, SafeTensorDType.F32, new long[] { 1 }) };
        SafeTensorAssert.Fails(SafeTensorsErrorKind.InvalidTensorSpec, path, () => new SafeTensorWriter(path, specs, null), first, LoraErrorCategory.InvalidArgument);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void SpecsWhoseTotalOverflowsAreInvalidTensorSpec()
    {
        using var dir = new TempDirectory();
        string path = dir.File("total.safetensors");
        // 2^60 - 1 bytes each is valid alone (its bit count fits 64 bits); eight fit, the ninth pushes the total past 2^63 - 1.
        TensorSpec[] specs = Enumerable.Range(0, 9).Select(i => new TensorSpec("t" + i, SafeTensorDType.U8, new[] { (1L << 60) - 1 })).ToArray();
        SafeTensorAssert.Fails(SafeTensorsErrorKind.InvalidTensorSpec, path, () => new SafeTensorWriter(path, specs, null), "t8");
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void SubByteSpecOfPartialBytesIsInvalidTensorSpec()
    {
        using var dir = new TempDirectory();
        string path = dir.File("f4.safetensors");
        var specs = new[] { new TensorSpec("q", SafeTensorDType.F4, new long[] { 3 }) };
        SafeTensorAssert.Fails(SafeTensorsErrorKind.InvalidTensorSpec, path, () => new SafeTensorWriter(path, specs, null), "q");
    }

    [Fact]
    public void WritingOutOfSpecOrderIsTensorOrder()
    {
        using var dir = new TempDirectory();
        string path = dir.File("order.safetensors");
        using var writer = new SafeTensorWriter(path, TwoTensors, null);
        SafeTensorAssert.Fails(SafeTensorsErrorKind.TensorOrder, path, () => writer.WriteTensor("a.second", new float[5]), "a.second", LoraErrorCategory.InvalidOperation);
        writer.WriteTensor("b.first", new float[3]);
        SafeTensorAssert.Fails(SafeTensorsErrorKind.TensorOrder, path, () => writer.WriteTensor("b.first", new float[3]), "b.first");
        SafeTensorAssert.Fails(SafeTensorsErrorKind.TensorOrder, path, () => writer.WriteTensor("unknown", new float[3]), "unknown");
    }

    [Fact]
    public void WritingAfterCommitIsTensorOrder()
    {
        using var dir = new TempDirectory();
        string path = dir.File("after.safetensors");
        using var writer = new SafeTensorWriter(path, TwoTensors, null);
        writer.WriteTensor("b.first", new float[3]);
        writer.WriteTensor("a.second", new float[5]);
        writer.Commit();
        SafeTensorAssert.Fails(SafeTensorsErrorKind.TensorOrder, path, () => writer.WriteTensor("b.first", new float[3]), "b.first");
        SafeTensorAssert.Fails(SafeTensorsErrorKind.TensorOrder, path, () => writer.Commit());
        Assert.Equal(new float[3], SafeTensorFile.Open(path).ReadFloat32("b.first"));
    }

    [Fact]
    public void WrongDataLengthIsDataLengthMismatch()
    {
        using var dir = new TempDirectory();
        string path = dir.File("length.safetensors");
        using var writer = new SafeTensorWriter(path, TwoTensors, null);
        SafeTensorAssert.Fails(SafeTensorsErrorKind.DataLengthMismatch, path, () => writer.WriteTensor("b.first", new float[4]), "b.first", LoraErrorCategory.InvalidArgument);
        SafeTensorAssert.Fails(SafeTensorsErrorKind.DataLengthMismatch, path, () => writer.WriteTensorRaw("b.first", new byte[11]), "b.first");
        writer.WriteTensorRaw("b.first", new byte[12]); // the failed calls did not advance the writer
        SafeTensorAssert.Fails(SafeTensorsErrorKind.DataLengthMismatch, path, () => writer.WriteTensorRaw("a.second", new byte[5]), "a.second");
    }

    [Fact]
    public void FloatsIntoAnIntegerDtypeAreUnsupportedDType()
    {
        using var dir = new TempDirectory();
        string path = dir.File("int.safetensors");
        using var writer = new SafeTensorWriter(path, new[] { new TensorSpec("i", SafeTensorDType.I32, new long[] { 2 }) }, null);
        SafeTensorAssert.Fails(SafeTensorsErrorKind.UnsupportedDType, path, () => writer.WriteTensor("i", new float[2]), "i", LoraErrorCategory.InvalidOperation);
    }

    [Fact]
    public void CommitBeforeEveryTensorIsIncompleteWriteAndLeavesNothing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("partial.safetensors");
        using (var writer = new SafeTensorWriter(path, TwoTensors, null))
        {
            writer.WriteTensor("b.first", new float[3]);
            SafeTensorAssert.Fails(SafeTensorsErrorKind.IncompleteWrite, path, () => writer.Commit(), "a.second", LoraErrorCategory.InvalidOperation);
        }

        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void LargeTensorsStreamThroughInChunks()
    {
        using var dir = new TempDirectory();
        string path = dir.File("large.safetensors");
        const int count = (1 << 20) + 12345; // spans several encode and read chunks, with a tail
        float[] values = SafeTensorRoundTripTests.RandomFloats(new Random(11), count);
        var specs = new[] { new TensorSpec("f32", SafeTensorDType.F32, new long[] { count }), new TensorSpec("bf16", SafeTensorDType.BF16, new long[] { count }) };
        using (var writer = new SafeTensorWriter(path, specs, null))
        {
            writer.WriteTensor("f32", values);
            writer.WriteTensor("bf16", values);
            writer.Commit();
        }

        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Equal(values, file.ReadFloat32("f32"));
        float[] bf16 = file.ReadFloat32("bf16");
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(ConversionReference.RoundToBFloat16(BitConverter.SingleToUInt32Bits(values[i])), BitConverter.SingleToUInt32Bits(bf16[i]) >> 16);
        }
    }

    [Fact]
    public void ReplacedMetadata_GivesTheFileWrittenWithItUpFront()
    {
        using var dir = new TempDirectory();
        string upFront = dir.File("upfront.safetensors");
        string replaced = dir.File("replaced.safetensors");
        WriteTwo(upFront, new Dictionary<string, string> { ["format"] = "pt", ["hash"] = "3f9a" });

        using (var writer = new SafeTensorWriter(replaced, TwoTensors, new Dictionary<string, string> { ["format"] = "pt", ["hash"] = "0000" }))
        {
            writer.WriteTensor("b.first", new[] { 1f, 2f, 3f });
            writer.WriteTensor("a.second", new[] { 1f, 2f, 3f, 4f, 5f });
            writer.FlushToDisk();
            writer.ReplaceMetadata(new Dictionary<string, string> { ["format"] = "pt", ["hash"] = "3f9a" });
            writer.Commit();
        }

        Assert.Equal(File.ReadAllBytes(upFront), File.ReadAllBytes(replaced));
    }

    [Fact]
    public void ReplacedMetadataOfAnotherLength_IsRefusedAndNothingIsLeft()
    {
        using var dir = new TempDirectory();
        string path = dir.File("longer.safetensors");
        using (var writer = new SafeTensorWriter(path, TwoTensors, new Dictionary<string, string> { ["hash"] = "00" }))
        {
            writer.WriteTensor("b.first", new[] { 1f, 2f, 3f });
            Assert.Throws<ArgumentException>(() => writer.ReplaceMetadata(new Dictionary<string, string> { ["hash"] = "0123456789abcdef" }));
        }

        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void ChunkSource_WritesWhatTheSpanOverloadWrites()
    {
        using var dir = new TempDirectory();
        const int count = (1 << 18) * 2 + 777; // three chunks, the last one short
        float[] values = SafeTensorRoundTripTests.RandomFloats(new Random(5), count);
        var specs = new[] { new TensorSpec("f32", SafeTensorDType.F32, new long[] { count }), new TensorSpec("bf16", SafeTensorDType.BF16, new long[] { count }) };
        string fromSpan = dir.File("span.safetensors");
        string fromChunks = dir.File("chunks.safetensors");
        var starts = new List<long>();
        using (var writer = new SafeTensorWriter(fromSpan, specs, null))
        {
            writer.WriteTensor("f32", values);
            writer.WriteTensor("bf16", values);
            writer.Commit();
        }

        using (var writer = new SafeTensorWriter(fromChunks, specs, null))
        {
            void Fill(long start, Span<float> destination)
            {
                starts.Add(start);
                values.AsSpan((int)start, destination.Length).CopyTo(destination);
            }

            writer.WriteTensor("f32", count, Fill);
            writer.WriteTensor("bf16", count, Fill);
            Assert.Equal("SafeTensorsTensorOrder", Assert.Throws<SafeTensorsException>(() => writer.WriteTensor("f32", count, Fill)).ErrorId);
            writer.Commit();
        }

        Assert.Equal(File.ReadAllBytes(fromSpan), File.ReadAllBytes(fromChunks));
        Assert.Equal(new long[] { 0, 1 << 18, 2 << 18, 0, 1 << 18, 2 << 18 }, starts);
    }

    private static void WriteTwo(string path, IReadOnlyDictionary<string, string>? metadata)
    {
        using var writer = new SafeTensorWriter(path, TwoTensors, metadata);
        writer.WriteTensor("b.first", new[] { 1f, 2f, 3f });
        writer.WriteTensor("a.second", new[] { 1f, 2f, 3f, 4f, 5f });
        writer.Commit();
    }
}
