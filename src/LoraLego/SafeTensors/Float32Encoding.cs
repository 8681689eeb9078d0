using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace LoraLego.SafeTensors;

/// <summary>Bulk encoding of float32 values into little-endian tensor bytes of a float dtype.</summary>
internal static class Float32Encoding
{
    public static bool CanEncode(SafeTensorDType dtype) => Float32Decoding.CanDecode(dtype);

    public static int BytesPerElement(SafeTensorDType dtype) => SafeTensorDTypes.BitsPerElement(dtype) / 8;

    public static void Encode(SafeTensorDType dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(source);
        switch (dtype)
        {
            case SafeTensorDType.F32:
                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.AsBytes(source).CopyTo(destination);
                }
                else
                {
                    for (int i = 0; i < bits.Length; i++)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(i * 4), bits[i]);
                    }
                }

                break;
            case SafeTensorDType.BF16:
                Span<ushort> bf16 = SixteenBitLanes(destination, bits.Length);
                for (int i = EncodeBFloat16Vectors(bits, bf16); i < bits.Length; i++)
                {
                    bf16[i] = FloatBits.SingleBitsToBFloat16(bits[i]);
                }

                ToLittleEndian(bf16);
                break;
            case SafeTensorDType.F16:
                Span<ushort> f16 = SixteenBitLanes(destination, bits.Length);
                for (int i = 0; i < bits.Length; i++)
                {
                    f16[i] = FloatBits.SingleBitsToHalf(bits[i]);
                }

                ToLittleEndian(f16);
                break;
            case SafeTensorDType.F64:
                for (int i = 0; i < source.Length; i++)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(destination.Slice(i * 8), BitConverter.DoubleToInt64Bits(source[i]));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a float dtype");
        }
    }

    /// <summary>
    /// The bfloat16 of as many leading values as fill whole vectors (the count is returned; the scalar
    /// loop does the rest), lane by lane exactly <see cref="FloatBits.SingleBitsToBFloat16"/>.
    /// </summary>
    private static int EncodeBFloat16Vectors(ReadOnlySpan<uint> bits, Span<ushort> output)
    {
        if (!Vector.IsHardwareAccelerated)
        {
            return 0;
        }

        ReadOnlySpan<Vector<uint>> words = MemoryMarshal.Cast<uint, Vector<uint>>(bits);
        Span<Vector<ushort>> halves = MemoryMarshal.Cast<ushort, Vector<ushort>>(output);
        int pairs = Math.Min(words.Length / 2, halves.Length);
        for (int p = 0; p < pairs; p++)
        {
            halves[p] = Vector.Narrow(BFloat16(words[2 * p]), BFloat16(words[(2 * p) + 1]));
        }

        return pairs * Vector<ushort>.Count;
    }

    /// <summary>Each lane's bfloat16 in its low 16 bits (see FloatBits.SingleBitsToBFloat16 for the rules).</summary>
    private static Vector<uint> BFloat16(Vector<uint> bits)
    {
        var top = new Vector<uint>(0xFFFF0000u);
        Vector<uint> lowestKept = Vector.Equals(bits & new Vector<uint>(0x10000u), new Vector<uint>(0x10000u)) & Vector<uint>.One;
        Vector<uint> rounded = (bits + new Vector<uint>(0x7FFFu) + lowestKept) & top;
        Vector<uint> isNaN = Vector.GreaterThan(bits & new Vector<uint>(0x7FFFFFFFu), new Vector<uint>(0x7F800000u));
        Vector<uint> emptyPayload = Vector.Equals(bits & new Vector<uint>(0x007F0000u), Vector<uint>.Zero);
        Vector<uint> nan = (bits & top) | (emptyPayload & new Vector<uint>(0x00400000u));
        Vector<int> chosen = Vector.AsVectorInt32(Vector.ConditionalSelect(isNaN, nan, rounded));

        // ">> 16" without a vector shift (netstandard2.0 has none): a multiple of 2^16 with at most 16
        // significant bits converts to float exactly, times 2^-16 is exact, and back to int it is the
        // top half as a signed number, whose low 16 bits are the bits wanted.
        return Vector.AsVectorUInt32(Vector.ConvertToInt32(Vector.ConvertToSingle(chosen) * new Vector<float>(1f / 65536)));
    }

    // 16-bit values are stored into the destination as ushorts (one store each, no per-value slicing)
    // and byte-swapped afterwards on the rare big-endian machine.
    private static Span<ushort> SixteenBitLanes(Span<byte> destination, int count) =>
        MemoryMarshal.Cast<byte, ushort>(destination.Slice(0, count * 2));

    private static void ToLittleEndian(Span<ushort> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReverseEndianness(values[i]);
        }
    }
}
