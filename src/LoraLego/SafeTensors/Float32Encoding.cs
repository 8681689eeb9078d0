using System;
using System.Buffers.Binary;
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
                for (int i = 0; i < bits.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(i * 2), FloatBits.SingleBitsToBFloat16(bits[i]));
                }

                break;
            case SafeTensorDType.F16:
                for (int i = 0; i < bits.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(i * 2), FloatBits.SingleBitsToHalf(bits[i]));
                }

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
}
