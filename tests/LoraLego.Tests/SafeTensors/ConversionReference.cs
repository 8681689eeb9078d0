using System;

namespace LoraLego.Tests.SafeTensors;

/// <summary>
/// Independent references for the 16-bit conversions, computed differently from the engine
/// (which uses integer rounding tricks): here, by comparing exact distances in double.
/// </summary>
internal static class ConversionReference
{
    /// <summary>float32 bits to bfloat16 bits, nearest with ties to even, NaN to a NaN with the top payload bits.</summary>
    public static uint RoundToBFloat16(uint bits)
    {
        float value = BitConverter.UInt32BitsToSingle(bits);
        if (float.IsNaN(value))
        {
            uint top = bits >> 16;
            return (top & 0x7F) == 0 ? top | 0x40 : top;
        }

        if (float.IsInfinity(value))
        {
            return bits >> 16;
        }

        uint sign = bits & 0x80000000u;
        uint below = (bits & 0x7FFF0000u) >> 16;   // magnitude truncated toward zero
        uint above = below + 1;                    // next bfloat16 magnitude up
        double exact = Math.Abs((double)value);
        double low = BFloat16Magnitude(below);
        double high = above == 0x7F80 ? Math.Pow(2, 128) : BFloat16Magnitude(above); // past the largest finite: where infinity starts rounding
        uint chosen;
        if (exact - low < high - exact)
        {
            chosen = below;
        }
        else if (exact - low > high - exact)
        {
            chosen = above;
        }
        else
        {
            chosen = (below & 1) == 0 ? below : above;
        }

        return (sign >> 16) | chosen;
    }

    private static double BFloat16Magnitude(uint bits) => BitConverter.UInt32BitsToSingle(bits << 16);
}
