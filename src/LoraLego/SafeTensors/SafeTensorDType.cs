namespace LoraLego.SafeTensors;

/// <summary>Every dtype the safetensors format defines (names as written in headers).</summary>
public enum SafeTensorDType
{
    BOOL, U8, I8, F8_E4M3, F8_E5M2, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ,
    I16, U16, F16, BF16,
    I32, U32, F32,
    I64, U64, F64, C64,
    F4, F6_E2M3, F6_E3M2,
}
