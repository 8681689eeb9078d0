using System;
using System.Buffers.Binary;
using System.IO;
using System.Linq;
using System.Text;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

/// <summary>One crafted file per rule of the format; each asserts the precise error kind.</summary>
public class SafeTensorHeaderRuleTests
{
    private const string F32Pair = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]";

    [Fact]
    public void FewerThanEightBytesIsFileTooSmall()
    {
        using var dir = new TempDirectory();
        string path = dir.File("small.safetensors");
        File.WriteAllBytes(path, new byte[] { 2, 0, 0, 0, 0, 0, 0 });
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.FileTooSmall, path);
    }

    [Fact]
    public void HeaderLengthOverHundredMillionIsHeaderTooLarge()
    {
        using var dir = new TempDirectory();
        string path = dir.File("large.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100_000_001UL);
        File.WriteAllBytes(path, bytes);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.HeaderTooLarge, path);
    }

    [Fact]
    public void HeaderLengthOfUInt64MaxIsHeaderTooLargeNotAnAllocation()
    {
        using var dir = new TempDirectory();
        string path = dir.File("huge.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.HeaderTooLarge, path);
    }

    [Fact]
    public void HeaderPastEndOfFileIsHeaderOutOfBounds()
    {
        using var dir = new TempDirectory();
        string path = dir.File("short.safetensors");
        var bytes = new byte[8 + 10];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 50_000_000UL); // under the cap, over the file
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.HeaderOutOfBounds, path);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "the claimed 50 MB header was never allocated");
    }

    [Fact]
    public void InvalidUtf8IsHeaderNotUtf8()
    {
        using var dir = new TempDirectory();
        string path = dir.File("utf8.safetensors");
        byte[] header = Encoding.UTF8.GetBytes("{\"__metadata__\":{\"k\":\"v?\"}}");
        header[Array.IndexOf(header, (byte)'?')] = 0xFF;
        File.WriteAllBytes(path, CraftedFile.Bytes(header));
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.HeaderNotUtf8, path);
    }

    [Theory]
    [InlineData("{\"a\": {" + F32Pair + "}")]             // unterminated
    [InlineData("{\"a\": {" + F32Pair + "}} x")]         // content after the object
    [InlineData("{\"a\": {" + F32Pair + ",}}")]          // trailing comma
    [InlineData("{/*c*/\"a\": {" + F32Pair + "}}")]      // comment
    [InlineData("")]                                      // empty header
    [InlineData("   ")]                                   // only whitespace
    [InlineData("{} {}")]                                 // two values
    [InlineData("\uFEFF{}")]                             // byte order mark
    [InlineData("{\"\\ud800\": {" + F32Pair + "}}")]     // escaped lone surrogate as a name
    [InlineData("{\"__metadata__\":{\"k\":\"\\udc00\"}}")] // ... and as a metadata value
    public void MalformedJsonIsHeaderNotJson(string header)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, header, dataLength: 8);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.HeaderNotJson, path);
    }

    [Fact]
    public void DeeplyNestedUnknownFieldIsHeaderTooDeep()
    {
        using var dir = new TempDirectory();
        string nested = new string('[', 200) + new string(']', 200);
        string path = CraftedFile.Write(dir, "{\"a\":{" + F32Pair + ",\"extra\":" + nested + "}}", dataLength: 8);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.HeaderTooDeep, path);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"a\":1}]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void JsonThatIsNotAnObjectIsHeaderNotObject(string header)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, header);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.HeaderNotObject, path);
    }

    [Theory]
    [InlineData("{\"__metadata__\":{\"format\":\"pt\",\"n\":1}}")]
    [InlineData("{\"__metadata__\":{\"list\":[\"a\"]}}")]
    [InlineData("{\"__metadata__\":{\"nested\":{\"a\":\"b\"}}}")]
    [InlineData("{\"__metadata__\":{\"nothing\":null}}")]
    [InlineData("{\"__metadata__\":[\"format\",\"pt\"]}")]
    [InlineData("{\"__metadata__\":\"pt\"}")]
    public void NonStringMetadataIsMetadataNotStrings(string header)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, header);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.MetadataNotStrings, path);
    }

    [Theory]
    [InlineData("{\"__metadata__\":{\"a\":\"1\"},\"__metadata__\":{\"b\":\"2\"}}")]
    [InlineData("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}")]
    public void RepeatedMetadataKeyIsDuplicateMetadataKey(string header)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, header);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.DuplicateMetadataKey, path);
    }

    [Theory]
    [InlineData("{\"t\":42}")]
    [InlineData("{\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}")]
    [InlineData("{\"t\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}}")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}")]
    [InlineData("{\"t\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}")]
    public void MalformedTensorEntryIsInvalidTensorEntry(string header)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, header, dataLength: 8);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.InvalidTensorEntry, path, tensor: "t");
    }

    [Theory]
    [InlineData("F12")]
    [InlineData("f32")]
    [InlineData("float32")]
    [InlineData("14")]
    [InlineData("")]
    public void DtypeOutsideTheListIsUnknownDType(string dtype)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,8]}}", dataLength: 8);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.UnknownDType, path, tensor: "t");
    }

    [Theory]
    [InlineData("[-1,2]")]
    [InlineData("[2,-2]")]
    [InlineData("[-99999999999999999999999]")]
    public void NegativeDimensionIsNegativeShape(string shape)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"t\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}}", dataLength: 8);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.NegativeShape, path, tensor: "t");
    }

    [Theory]
    [InlineData("{\"t\":{" + F32Pair + "},\"t\":{" + F32Pair + "}}")]
    [InlineData("{\"t\":{" + F32Pair + "},\"\\u0074\":{" + F32Pair + "}}")] // same name once unescaped
    public void RepeatedTensorNameIsDuplicateTensor(string header)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, header, dataLength: 8);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.DuplicateTensor, path, tensor: "t");
    }

    [Theory]
    [InlineData("F32", "[4611686018427387904,4]")]          // 2^62 * 4 elements
    [InlineData("F64", "[1152921504606846977]")]            // (2^60 + 1) * 64 bits
    [InlineData("U8", "[18446744073709551615]")]            // beyond a signed 64-bit dimension
    [InlineData("BF16", "[4294967296,4294967296]")]         // 2^64 elements
    public void ShapeWhoseByteCountOverflowsIsSizeOverflow(string dtype, string shape)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}}", dataLength: 8);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.SizeOverflow, path, tensor: "t");
    }

    [Theory]
    [InlineData("F4", "[3]")]
    [InlineData("F6_E2M3", "[5]")]
    [InlineData("F6_E3M2", "[2,3]")]
    public void SubByteTensorOfPartialBytesIsMisalignedBits(string dtype, string shape)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[0,2]}}", dataLength: 2);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.MisalignedBits, path, tensor: "t");
    }

    [Theory]
    [InlineData("F32", "[2]", 0, 4)]
    [InlineData("F32", "[2]", 0, 12)]
    [InlineData("BF16", "[3,2]", 0, 24)]
    [InlineData("F4", "[4]", 0, 4)]
    [InlineData("U8", "[]", 0, 0)] // a rank-0 tensor holds one element
    public void OffsetsSpanningTheWrongByteCountIsTensorSizeMismatch(string dtype, string shape, int begin, int end)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}}", dataLength: end);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.TensorSizeMismatch, path, tensor: "t");
    }

    [Fact]
    public void GapBeforeFirstTensorIsOffsetsNotContiguous()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", dataLength: 12);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.OffsetsNotContiguous, path, tensor: "t");
    }

    [Fact]
    public void GapBetweenTensorsIsOffsetsNotContiguous()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", dataLength: 16);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.OffsetsNotContiguous, path, tensor: "b");
    }

    [Fact]
    public void TensorsSharingBytesAreOffsetsNotContiguous()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", dataLength: 8);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.OffsetsNotContiguous, path);
    }

    [Fact]
    public void OverlappingTensorsAreOffsetsNotContiguous()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", dataLength: 12);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.OffsetsNotContiguous, path, tensor: "b");
    }

    [Theory]
    [InlineData("{\"t\":{" + F32Pair + "}}", 9)]
    [InlineData("{}", 1)]
    public void BytesAfterLastTensorAreTrailingBytes(string header, int dataLength)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, header, dataLength);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.TrailingBytes, path);
    }

    [Fact]
    public void DataShorterThanOffsetsIsTruncatedData()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"t\":{" + F32Pair + "}}", dataLength: 7);
        SafeTensorAssert.OpenFails(SafeTensorsErrorKind.TruncatedData, path, tensor: "t");
    }
}
