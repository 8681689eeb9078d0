using System.Collections.Generic;

namespace LoraLego.SafeTensors;

/// <summary>Header names and element widths of the dtypes, as the format defines them.</summary>
internal static class SafeTensorDTypes
{
    private static readonly Dictionary<string, SafeTensorDType> ByName = BuildNames();

    /// <summary>Exact, case-sensitive match on the header spelling (Enum.TryParse would also take "7" or "f32").</summary>
    public static bool TryParse(string name, out SafeTensorDType dtype) => ByName.TryGetValue(name, out dtype);

    public static string HeaderName(SafeTensorDType dtype) => dtype.ToString();

    public static int BitsPerElement(SafeTensorDType dtype)
    {
        switch (dtype)
        {
            case SafeTensorDType.F4:
                return 4;
            case SafeTensorDType.F6_E2M3:
            case SafeTensorDType.F6_E3M2:
                return 6;
            case SafeTensorDType.BOOL:
            case SafeTensorDType.U8:
            case SafeTensorDType.I8:
            case SafeTensorDType.F8_E4M3:
            case SafeTensorDType.F8_E5M2:
            case SafeTensorDType.F8_E8M0:
            case SafeTensorDType.F8_E4M3FNUZ:
            case SafeTensorDType.F8_E5M2FNUZ:
                return 8;
            case SafeTensorDType.I16:
            case SafeTensorDType.U16:
            case SafeTensorDType.F16:
            case SafeTensorDType.BF16:
                return 16;
            case SafeTensorDType.I32:
            case SafeTensorDType.U32:
            case SafeTensorDType.F32:
                return 32;
            default:
                // I64, U64, F64, C64
                return 64;
        }
    }

    /// <summary>
    /// Bytes a tensor of this shape occupies, or an error kind. Mirrors the reference: the element
    /// count is multiplied left to right with overflow checks, then times the bit width.
    /// </summary>
    public static SafeTensorsErrorKind? TryByteLength(SafeTensorDType dtype, IReadOnlyList<long> shape, out long elementCount, out long byteLength)
    {
        elementCount = 1;
        byteLength = 0;
        foreach (long dim in shape)
        {
            if (dim < 0)
            {
                return SafeTensorsErrorKind.NegativeShape;
            }

            if (dim != 0 && elementCount > long.MaxValue / dim)
            {
                return SafeTensorsErrorKind.SizeOverflow;
            }

            elementCount *= dim;
        }

        int bits = BitsPerElement(dtype);
        if (elementCount > long.MaxValue / bits)
        {
            return SafeTensorsErrorKind.SizeOverflow;
        }

        long totalBits = elementCount * bits;
        if (totalBits % 8 != 0)
        {
            return SafeTensorsErrorKind.MisalignedBits;
        }

        byteLength = totalBits / 8;
        return null;
    }

    private static Dictionary<string, SafeTensorDType> BuildNames()
    {
        var names = new Dictionary<string, SafeTensorDType>(System.StringComparer.Ordinal);
        foreach (SafeTensorDType dtype in System.Enum.GetValues(typeof(SafeTensorDType)))
        {
            names.Add(dtype.ToString(), dtype);
        }

        return names;
    }
}
