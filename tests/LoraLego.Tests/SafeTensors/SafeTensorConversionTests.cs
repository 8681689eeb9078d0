using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

/// <summary>The float conversions, exhaustively over every 16-bit pattern, through real files.</summary>
public class SafeTensorConversionTests
{
    [Fact]
    public void EveryF16PatternReadsAsSystemHalfDoes()
    {
        using var dir = new TempDirectory();
        float[] read = ReadAllPatterns(dir, SafeTensorDType.F16);
        for (int h = 0; h < 65536; h++)
        {
            uint actual = BitConverter.SingleToUInt32Bits(read[h]);
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            if (float.IsNaN(expected))
            {
                // System.Half sets the quiet bit; we keep the payload exactly (so F16 round-trips bit for bit).
                Assert.Equal(((uint)(h & 0x8000) << 16) | 0x7F800000u | ((uint)(h & 0x3FF) << 13), actual);
                Assert.True(float.IsNaN(read[h]));
            }
            else
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected), actual);
            }
        }
    }

    [Fact]
    public void EveryBF16PatternReadsAsTheUpperHalfOfAFloat()
    {
        using var dir = new TempDirectory();
        float[] read = ReadAllPatterns(dir, SafeTensorDType.BF16);
        for (int b = 0; b < 65536; b++)
        {
            Assert.Equal((uint)b << 16, BitConverter.SingleToUInt32Bits(read[b]));
        }
    }

    [Fact]
    public void ScalarF16DecodeMatchesSystemHalfForEveryPattern()
    {
        for (int h = 0; h < 65536; h++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            uint actual = FloatBits.HalfToSingleBits((ushort)h);
            if (!float.IsNaN(expected))
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected), actual);
            }
            else
            {
                Assert.True(float.IsNaN(BitConverter.UInt32BitsToSingle(actual)));
            }
        }
    }

    [Theory]
    [InlineData(SafeTensorDType.F16)]
    [InlineData(SafeTensorDType.BF16)]
    public void VectorAndScalarPathsAgreeForEveryLengthAndOffset(SafeTensorDType dtype)
    {
        var rng = new Random(5);
        var bytes = new byte[2 * 200];
        rng.NextBytes(bytes);
        for (int offset = 0; offset < 3; offset++)
        {
            for (int length = 0; length < 100; length++)
            {
                ReadOnlySpan<byte> source = bytes.AsSpan(offset * 2, length * 2);
                var decoded = new float[length];
                Float32Decoding.Decode(dtype, source, decoded);
                for (int i = 0; i < length; i++)
                {
                    ushort bits = (ushort)(source[2 * i] | (source[2 * i + 1] << 8));
                    uint expected = dtype == SafeTensorDType.F16 ? FloatBits.HalfToSingleBits(bits) : (uint)bits << 16;
                    Assert.Equal(expected, BitConverter.SingleToUInt32Bits(decoded[i]));
                }
            }
        }
    }

    [Fact]
    public void WritingF16RoundsToNearestEvenLikeSystemHalf()
    {
        float[] values = HalfBoundaryFloats();
        using var dir = new TempDirectory();
        ushort[] written = WriteAndReadBack(dir, SafeTensorDType.F16, values);
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
            {
                Assert.True(Half.IsNaN(BitConverter.UInt16BitsToHalf(written[i])), $"NaN {BitConverter.SingleToUInt32Bits(values[i]):X8} stays NaN");
                Assert.Equal(BitConverter.SingleToUInt32Bits(values[i]) >> 31, (uint)written[i] >> 15);
            }
            else
            {
                Assert.Equal(BitConverter.HalfToUInt16Bits((Half)values[i]), written[i]);
            }
        }
    }

    [Fact]
    public void WritingBF16RoundsToNearestEvenAgainstExactReference()
    {
        float[] values = BFloat16BoundaryFloats();
        using var dir = new TempDirectory();
        ushort[] written = WriteAndReadBack(dir, SafeTensorDType.BF16, values);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(ConversionReference.RoundToBFloat16(BitConverter.SingleToUInt32Bits(values[i])), written[i]);
            Assert.Equal(float.IsNaN(values[i]), float.IsNaN(BitConverter.UInt32BitsToSingle((uint)written[i] << 16)));
        }
    }

    [Theory]
    [InlineData(SafeTensorDType.F16)]
    [InlineData(SafeTensorDType.BF16)]
    public void SixteenBitFilesRoundTripBitForBit(SafeTensorDType dtype)
    {
        using var dir = new TempDirectory();
        string source = WritePatternFile(dir, dtype);
        SafeTensorFile original = SafeTensorFile.Open(source);
        float[] values = original.ReadFloat32("all");

        string copy = dir.File("copy.safetensors");
        using (var writer = new SafeTensorWriter(copy, new[] { new TensorSpec("all", dtype, new long[] { 256, 256 }) }, null))
        {
            writer.WriteTensor("all", values);
            writer.Commit();
        }

        SafeTensorFile copied = SafeTensorFile.Open(copy);
        Assert.Equal(original.ReadRaw(original.GetTensor("all")), copied.ReadRaw(copied.GetTensor("all")));
        float[] again = copied.ReadFloat32("all");
        Assert.Equal(MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), MemoryMarshal.AsBytes(again.AsSpan()).ToArray());
    }

    [Fact]
    public void F32FilesRoundTripBitForBitIncludingNaNPayloads()
    {
        var rng = new Random(9);
        var bits = new uint[100_003];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (uint)rng.Next() ^ ((uint)rng.Next(2) << 31);
        }

        uint[] specials = { 0x7F800001, 0xFFC00001, 0x7FFFFFFF, 0x00000001, 0x807FFFFF, 0x80000000, 0x7F800000, 0xFF800000 };
        specials.CopyTo(bits, 0);
        float[] values = MemoryMarshal.Cast<uint, float>(bits.AsSpan()).ToArray();

        using var dir = new TempDirectory();
        string first = dir.File("first.safetensors");
        string second = dir.File("second.safetensors");
        WriteFloats(first, SafeTensorDType.F32, values);
        float[] read = SafeTensorFile.Open(first).ReadFloat32("v");
        WriteFloats(second, SafeTensorDType.F32, read);
        uint[] again = MemoryMarshal.Cast<float, uint>(SafeTensorFile.Open(second).ReadFloat32("v").AsSpan()).ToArray();
        Assert.Equal(bits, again);
    }

    /// <summary>Every half value, the midpoints between neighbours, one float ulp either side, and random floats.</summary>
    private static float[] HalfBoundaryFloats()
    {
        var values = new List<float>();
        for (int h = 0; h < 0x7C00; h++)
        {
            foreach (int sign in new[] { 0, 0x8000 })
            {
                float here = (float)BitConverter.UInt16BitsToHalf((ushort)(h | sign));
                double next = h + 1 == 0x7C00 ? 65536.0 : (double)(float)BitConverter.UInt16BitsToHalf((ushort)(h + 1));
                float mid = (float)((Math.Abs((double)here) + next) / 2); // exact: a half has 11 significant bits
                mid = sign == 0 ? mid : -mid;
                values.Add(here);
                values.Add(mid);
                values.Add(MathF.BitIncrement(mid));
                values.Add(MathF.BitDecrement(mid));
            }
        }

        AddSpecialsAndRandom(values, new Random(1));
        return values.ToArray();
    }

    private static float[] BFloat16BoundaryFloats()
    {
        var values = new List<float>();
        for (uint b = 0; b < 0x10000; b++)
        {
            uint bits = b << 16;
            values.Add(BitConverter.UInt32BitsToSingle(bits));
            values.Add(BitConverter.UInt32BitsToSingle(bits | 0x8000));      // the midpoint above
            values.Add(BitConverter.UInt32BitsToSingle(bits | 0x8001));
            values.Add(BitConverter.UInt32BitsToSingle(bits | 0x7FFF));
            values.Add(BitConverter.UInt32BitsToSingle(bits | 0x0001));      // NaN payloads below the kept bits
            values.Add(BitConverter.UInt32BitsToSingle(bits | 0xFFFF));
        }

        AddSpecialsAndRandom(values, new Random(2));
        return values.ToArray();
    }

    private static void AddSpecialsAndRandom(List<float> values, Random rng)
    {
        values.AddRange(new[] { float.MaxValue, -float.MaxValue, float.Epsilon, -float.Epsilon, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0f, -0f });
        values.Add(BitConverter.UInt32BitsToSingle(0x7F800001)); // signalling NaN whose payload is all in the low bits
        values.Add(BitConverter.UInt32BitsToSingle(0xFF800001));
        for (int i = 0; i < 300_000; i++)
        {
            values.Add(BitConverter.UInt32BitsToSingle((uint)rng.Next() ^ ((uint)rng.Next(2) << 31)));
        }
    }

    private static ushort[] WriteAndReadBack(TempDirectory dir, SafeTensorDType dtype, float[] values)
    {
        string path = dir.File("rounded.safetensors");
        WriteFloats(path, dtype, values);
        SafeTensorFile file = SafeTensorFile.Open(path);
        return MemoryMarshal.Cast<byte, ushort>(file.ReadRaw(file.GetTensor("v")).AsSpan()).ToArray();
    }

    private static void WriteFloats(string path, SafeTensorDType dtype, float[] values)
    {
        using var writer = new SafeTensorWriter(path, new[] { new TensorSpec("v", dtype, new long[] { values.Length }) }, null);
        writer.WriteTensor("v", values);
        writer.Commit();
    }

    /// <summary>A crafted file whose one tensor holds every 16-bit pattern in order.</summary>
    private static string WritePatternFile(TempDirectory dir, SafeTensorDType dtype)
    {
        var data = new byte[65536 * 2];
        for (int i = 0; i < 65536; i++)
        {
            data[2 * i] = (byte)i;
            data[2 * i + 1] = (byte)(i >> 8);
        }

        string path = dir.File("patterns.safetensors");
        File.WriteAllBytes(path, CraftedFile.Bytes("{\"all\":{\"dtype\":\"" + dtype + "\",\"shape\":[256,256],\"data_offsets\":[0,131072]}}", data));
        return path;
    }

    private static float[] ReadAllPatterns(TempDirectory dir, SafeTensorDType dtype) => SafeTensorFile.Open(WritePatternFile(dir, dtype)).ReadFloat32("all");
}
