using System.Collections.Generic;
using LoraLego.SafeTensors;

namespace LoraLego.Formats.Writing;

/// <summary>
/// One output module as its consumer names it: the tensor keys, the alpha tensor where the format
/// has one, and the scale that the stored alpha (or config) states, which the writer divides out of
/// the units before folding the rest into the factors.
/// </summary>
internal sealed class WrittenModule
{
    public WrittenModule(OutputModule module, string aKey, string bKey, string? alphaKey, double statedScale, float storedAlpha = 0)
    {
        Module = module;
        AKey = aKey;
        BKey = bKey;
        AlphaKey = alphaKey;
        StatedScale = statedScale;
        StoredAlpha = storedAlpha;
    }

    public OutputModule Module { get; }

    public string AKey { get; }

    public string BKey { get; }

    /// <summary>kohya's rank-0 F32 alpha tensor; null where alpha lives in a config or metadata.</summary>
    public string? AlphaKey { get; }

    /// <summary>The value of the alpha tensor (kohya).</summary>
    public float StoredAlpha { get; }

    /// <summary>The scale a reader of this format derives from what is written beside the factors.</summary>
    public double StatedScale { get; }

    public IEnumerable<TensorSpec> Specs(SafeTensorDType dtype)
    {
        yield return new TensorSpec(AKey, dtype, Module.AShape);
        yield return new TensorSpec(BKey, dtype, Module.BShape);
        if (AlphaKey is not null) yield return new TensorSpec(AlphaKey, SafeTensorDType.F32, new long[0]);
    }
}
