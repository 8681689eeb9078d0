using System;
using System.Linq;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

/// <summary>What the format allows must open: every dtype, empty and rank-0 tensors, "{}", whitespace.</summary>
public class SafeTensorAllowedTests
{
    [Theory]
    [InlineData("BOOL", 1)]
    [InlineData("U8", 1)]
    [InlineData("I8", 1)]
    [InlineData("F8_E4M3", 1)]
    [InlineData("F8_E5M2", 1)]
    [InlineData("F8_E8M0", 1)]
    [InlineData("F8_E4M3FNUZ", 1)]
    [InlineData("F8_E5M2FNUZ", 1)]
    [InlineData("I16", 2)]
    [InlineData("U16", 2)]
    [InlineData("F16", 2)]
    [InlineData("BF16", 2)]
    [InlineData("I32", 4)]
    [InlineData("U32", 4)]
    [InlineData("F32", 4)]
    [InlineData("I64", 8)]
    [InlineData("U64", 8)]
    [InlineData("F64", 8)]
    [InlineData("C64", 8)]
    public void EveryByteSizedDtypeParses(string dtype, int bytesPerElement)
    {
        using var dir = new TempDirectory();
        int bytes = 6 * bytesPerElement;
        string path = CraftedFile.Write(dir, "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":[2,3],\"data_offsets\":[0," + bytes + "]}}", bytes);
        TensorInfo t = SafeTensorFile.Open(path).GetTensor("t");
        Assert.Equal(dtype, t.DType.ToString());
        Assert.Equal(6, t.ElementCount);
        Assert.Equal(bytes, t.DataEnd);
    }

    [Theory]
    [InlineData("F4", "[2,3]", 3)]          // 6 × 4 bits
    [InlineData("F6_E2M3", "[4]", 3)]       // 4 × 6 bits
    [InlineData("F6_E3M2", "[2,8]", 12)]    // 16 × 6 bits
    public void SubByteDtypesWithWholeBytesParse(string dtype, string shape, int bytes)
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[0," + bytes + "]}}", bytes);
        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Equal(bytes, file.ReadRaw(file.GetTensor("t")).Length);
    }

    [Fact]
    public void EmptyObjectIsAFileWithoutTensors()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{}");
        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Empty(file.Tensors);
        Assert.Empty(file.Metadata);
        Assert.Equal(10, file.DataStart);
    }

    [Fact]
    public void JsonWhitespaceAroundTheObjectIsAllowed()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, " \t\r\n{ \"t\" : { \"dtype\" : \"F32\" , \"shape\" : [ 1 ] , \"data_offsets\" : [ 0 , 4 ] } }\n   ", 4);
        Assert.Single(SafeTensorFile.Open(path).Tensors);
    }

    [Fact]
    public void EmptyTensorsMaySitAnywhereInTheBuffer()
    {
        using var dir = new TempDirectory();
        string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"e0\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},"
            + "\"e4\":{\"dtype\":\"BF16\",\"shape\":[3,0,2],\"data_offsets\":[4,4]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
            + "\"e8\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[8,8]}}";
        string path = CraftedFile.Write(dir, header, 8);
        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Equal(new[] { "a", "e0", "e4", "b", "e8" }, file.Tensors.Select(t => t.Name));
        Assert.Empty(file.ReadFloat32("e4"));
        Assert.Empty(file.ReadRaw(file.GetTensor("e8")));
        Assert.Equal(new long[] { 3, 0, 2 }, file.GetTensor("e4").Shape);
    }

    [Fact]
    public void RankZeroTensorHoldsOneElement()
    {
        using var dir = new TempDirectory();
        string path = dir.File("scalar.safetensors");
        System.IO.File.WriteAllBytes(path, CraftedFile.Bytes("{\"alpha\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", BitConverter.GetBytes(16f)));
        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Empty(file.GetTensor("alpha").Shape);
        Assert.Equal(new[] { 16f }, file.ReadFloat32("alpha"));
    }

    [Fact]
    public void NullMetadataAndUnknownEntryFieldsAreAccepted()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"__metadata__\":null,\"t\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2],\"extra\":{\"x\":[1,2,{}]}}}", 2);
        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Empty(file.Metadata);
        Assert.Single(file.Tensors);
    }

    [Fact]
    public void EscapedNamesAreUnescaped()
    {
        using var dir = new TempDirectory();
        string path = CraftedFile.Write(dir, "{\"__metadata__\":{\"k\\n\":\"caf\\u00e9\"},\"a\\\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1);
        SafeTensorFile file = SafeTensorFile.Open(path);
        Assert.Equal("café", file.Metadata["k\n"]);
        Assert.True(file.TryGetTensor("a\"b", out _));
    }
}
