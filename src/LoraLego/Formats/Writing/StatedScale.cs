using System;

namespace LoraLego.Formats.Writing;

/// <summary>
/// How an output module's scale can be stated: as alpha/r (kohya, PEFT, diffusers) or alpha/√r
/// (PEFT and diffusers with use_rslora). A scale that is neither is stated as alpha' = scale·r.
/// </summary>
internal static class StatedScale
{
    /// <summary>The module's alpha already gives its scale as alpha/r.</summary>
    public static bool IsLinear(OutputModule m) => m.Scale == m.Alpha / m.Rank;

    /// <summary>The module's alpha gives its scale as alpha/√r (rsLoRA).</summary>
    public static bool IsRsLora(OutputModule m) => m.Scale == m.Alpha / Math.Sqrt(m.Rank);

    /// <summary>The alpha that states the module's scale as alpha/r: its own when it does, else scale·r.</summary>
    public static double LinearAlpha(OutputModule m) => IsLinear(m) ? m.Alpha : m.Scale * m.Rank;
}
