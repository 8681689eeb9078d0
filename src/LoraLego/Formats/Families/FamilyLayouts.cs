using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;

namespace LoraLego.Formats.Families;

/// <summary>
/// Every model family LoraLego knows, in the order ties are broken (when a file's names and widths fit
/// several families equally, the first listed is shown as its family; all of them stay compatible).
/// A new family is one <see cref="FamilyLayout"/> and one line here.
/// </summary>
public static class FamilyLayouts
{
    public static IReadOnlyList<FamilyLayout> All { get; } = new FamilyLayout[]
    {
        StableDiffusionLayouts.Sd1,
        StableDiffusionLayouts.Sd2,
        StableDiffusionLayouts.Sdxl,
        FluxFamilyLayout.Flux1,
    };

    /// <summary>The layout of <paramref name="family"/>, or null (Unknown, Transformers: no layout).</summary>
    public static FamilyLayout? For(ModelFamily family) => All.FirstOrDefault(l => l.Family == family);

    /// <summary>
    /// The kohya module name of <paramref name="identity"/> in its family's naming, or null when the
    /// identity is not a layer of a known family (a transformers model, an unrecognised key).
    /// </summary>
    public static string? KohyaName(ModuleIdentity identity) => For(identity.Family)?.KohyaName(identity);
}
