namespace LoraLego.SafeTensors;

/// <summary>
/// Scalar bit conversions between float32 and the 16-bit float formats. netstandard2.0 has no
/// System.Half, so these work on the bit patterns. Decoding is exact (NaN payloads, infinities and
/// subnormals kept); encoding rounds to nearest, ties to even, and a NaN always stays a NaN.
/// </summary>
internal static class FloatBits
{
    /// <summary>bfloat16 is the top half of a float32: widening is a shift.</summary>
    public static uint BFloat16ToSingleBits(ushort bits) => (uint)bits << 16;

    public static ushort SingleBitsToBFloat16(uint bits)
    {
        if ((bits & 0x7FFFFFFFu) > 0x7F800000u)
        {
            // NaN: keep sign and the top of the payload; if truncation would empty the payload
            // (which would read back as infinity) set the quiet bit.
            uint truncated = bits >> 16;
            return (ushort)((truncated & 0x7Fu) == 0 ? truncated | 0x40u : truncated);
        }

        // Adding 0x7FFF plus the lowest kept bit rounds half-way cases to the even neighbour;
        // overflow carries into the exponent, which is the correct rounding up to infinity.
        uint lowestKept = (bits >> 16) & 1u;
        return (ushort)((bits + 0x7FFFu + lowestKept) >> 16);
    }

    public static uint HalfToSingleBits(ushort half)
    {
        uint sign = (uint)(half & 0x8000) << 16;
        uint exponent = (uint)(half >> 10) & 0x1Fu;
        uint mantissa = half & 0x3FFu;
        if (exponent == 0x1F)
        {
            // Infinity or NaN: payload moved to the top of the float32 mantissa, unchanged.
            return sign | 0x7F800000u | (mantissa << 13);
        }

        if (exponent != 0)
        {
            return sign | ((exponent + 112u) << 23) | (mantissa << 13);
        }

        if (mantissa == 0)
        {
            return sign;
        }

        // Subnormal half: normalise. Value = mantissa * 2^-24.
        int shift = 0;
        while ((mantissa & 0x400u) == 0)
        {
            mantissa <<= 1;
            shift++;
        }

        return sign | ((uint)(113 - shift) << 23) | ((mantissa & 0x3FFu) << 13);
    }

    public static ushort SingleBitsToHalf(uint bits)
    {
        uint sign = (bits >> 16) & 0x8000u;
        uint magnitude = bits & 0x7FFFFFFFu;

        if (magnitude >= 0x7F800000u)
        {
            if (magnitude == 0x7F800000u)
            {
                return (ushort)(sign | 0x7C00u);
            }

            // NaN: keep the top payload bits; never let it collapse into infinity.
            uint payload = (magnitude >> 13) & 0x3FFu;
            return (ushort)(sign | 0x7C00u | (payload == 0 ? 0x200u : payload));
        }

        // 65520 is half-way between the largest half (65504) and 65536; ties go to the even
        // neighbour, which is 65536 = infinity.
        if (magnitude >= 0x477FF000u)
        {
            return (ushort)(sign | 0x7C00u);
        }

        if (magnitude >= 0x38800000u)
        {
            // Normal half: rebias the exponent (127 -> 15) and round 23 mantissa bits to 10.
            uint rebiased = magnitude - (112u << 23);
            rebiased += 0xFFFu + ((rebiased >> 13) & 1u);
            return (ushort)(sign | (rebiased >> 13));
        }

        // 2^-25 is half the smallest subnormal; ties to even give 0.
        if (magnitude <= 0x33000000u)
        {
            return (ushort)sign;
        }

        // Subnormal half: count units of 2^-24, rounding to nearest even.
        uint exponent = magnitude >> 23;
        uint significand = (magnitude & 0x7FFFFFu) | 0x800000u;
        int shiftRight = 126 - (int)exponent;
        uint result = significand >> shiftRight;
        uint remainder = significand & ((1u << shiftRight) - 1u);
        uint halfway = 1u << (shiftRight - 1);
        if (remainder > halfway || (remainder == halfway && (result & 1u) != 0))
        {
            result++;
        }

        return (ushort)(sign | result);
    }
}
