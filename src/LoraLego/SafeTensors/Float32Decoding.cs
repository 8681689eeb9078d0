using System;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LoraLego.SafeTensors;

/// <summary>
/// Bulk decoding of little-endian tensor bytes into float32. The 16-bit paths use Vector&lt;T&gt;
/// (hardware accelerated when the runtime supports it) and finish the tail with the scalar routines.
/// </summary>
internal static class Float32Decoding
{
    public static bool CanDecode(SafeTensorDType dtype) =>
        dtype == SafeTensorDType.F32 || dtype == SafeTensorDType.F16 || dtype == SafeTensorDType.BF16 || dtype == SafeTensorDType.F64;

    /// <summary>Decode source (a whole number of elements) into destination (exactly as many elements).</summary>
    public static void Decode(SafeTensorDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case SafeTensorDType.F32:
                DecodeF32(source, destination);
                break;
            case SafeTensorDType.BF16:
                DecodeBF16(source, destination);
                break;
            case SafeTensorDType.F16:
                DecodeF16(source, destination);
                break;
            case SafeTensorDType.F64:
                DecodeF64(source, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a float dtype");
        }
    }

    [MethodImpl(JitHints.Hot)]
    public static void DecodeF32(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(destination));
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = Int32BitsToSingle(BinaryPrimitives.ReadInt32LittleEndian(source.Slice(i * 4)));
        }
    }

    [MethodImpl(JitHints.Hot)]
    public static void DecodeF64(ReadOnlySpan<byte> source, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            // A C# cast: round to nearest even, overflow to infinity, NaN stays NaN.
            destination[i] = (float)BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(source.Slice(i * 8)));
        }
    }

    [MethodImpl(JitHints.Hot)]
    public static unsafe void DecodeBF16(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int count = destination.Length;
        if (source.Length < count * 2)
        {
            throw new ArgumentException("source is shorter than the destination needs", nameof(source));
        }

        int done = 0;
        if (BitConverter.IsLittleEndian && Vector.IsHardwareAccelerated)
        {
            int step = Vector<ushort>.Count;
            int widened = Vector<uint>.Count;
            var shift16 = new Vector<uint>(65536u); // netstandard2.0 Vector has no ShiftLeft; the multiply is exact
            fixed (byte* input = source)
            fixed (float* output = destination)
            {
                // Raw pointers: the Span-slicing form spent most of its time on bounds checks.
                for (; done + step <= count; done += step)
                {
                    Vector.Widen(Unsafe.ReadUnaligned<Vector<ushort>>(input + (done * 2)), out Vector<uint> low, out Vector<uint> high);
                    Unsafe.WriteUnaligned(output + done, low * shift16);
                    Unsafe.WriteUnaligned(output + done + widened, high * shift16);
                }
            }
        }

        for (int i = done; i < count; i++)
        {
            destination[i] = UInt32BitsToSingle(FloatBits.BFloat16ToSingleBits(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2))));
        }
    }

    [MethodImpl(JitHints.Hot)]
    public static unsafe void DecodeF16(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int count = destination.Length;
        if (source.Length < count * 2)
        {
            throw new ArgumentException("source is shorter than the destination needs", nameof(source));
        }

        int done = 0;
        if (BitConverter.IsLittleEndian && Vector.IsHardwareAccelerated)
        {
            int step = Vector<ushort>.Count;
            int widened = Vector<uint>.Count;
            fixed (byte* input = source)
            fixed (float* output = destination)
            {
                for (; done + step <= count; done += step)
                {
                    Vector.Widen(Unsafe.ReadUnaligned<Vector<ushort>>(input + (done * 2)), out Vector<uint> low, out Vector<uint> high);
                    Unsafe.WriteUnaligned(output + done, HalfToSingle(low));
                    Unsafe.WriteUnaligned(output + done + widened, HalfToSingle(high));
                }
            }
        }

        for (int i = done; i < count; i++)
        {
            destination[i] = UInt32BitsToSingle(FloatBits.HalfToSingleBits(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2))));
        }
    }

    /// <summary>
    /// Shifting exponent+mantissa into float32 position and multiplying by 2^112 rebiases normals and
    /// turns subnormals into the right normal floats in one exact multiply. Infinity/NaN get their
    /// exponent forced to all ones, keeping the payload.
    /// </summary>
    private static Vector<uint> HalfToSingle(Vector<uint> half)
    {
        Vector<uint> sign = (half & new Vector<uint>(0x8000u)) * new Vector<uint>(65536u);
        Vector<uint> magnitude = half & new Vector<uint>(0x7FFFu);
        Vector<uint> shifted = magnitude * new Vector<uint>(8192u);
        Vector<float> scaled = Vector.AsVectorSingle(shifted) * new Vector<float>(5.192296858534828e33f); // 2^112
        Vector<uint> infOrNaN = Vector.GreaterThanOrEqual(magnitude, new Vector<uint>(0x7C00u)) & new Vector<uint>(0x7F800000u);
        return Vector.AsVectorUInt32(scaled) | infOrNaN | sign;
    }

    private static unsafe float UInt32BitsToSingle(uint bits) => *(float*)&bits;

    private static unsafe float Int32BitsToSingle(int bits) => *(float*)&bits;
}
