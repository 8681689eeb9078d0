using System;
using System.Globalization;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Linalg;
using LoraLego.Pipeline;
using LoraLego.Units;

namespace LoraLego.Analysis;

/// <summary>
/// A module's delta ΔW = Scale·B·A as the factored SVD sees it: its rank-1 units (read once, checked
/// finite) and the truncated SVD computed from them. The one place the analysis code calls the
/// factored SVD, so the resize, spectrum and similarity code share it.
/// </summary>
internal static class ModuleDecomposition
{
    /// <summary>The module's units, refused (NonFiniteWeights) when a value or the scale is NaN or infinite.</summary>
    public static UnitBlock ReadFinite(LoraModule module)
    {
        var units = module.ReadUnits();
        bool finite = NonFiniteWeights.AllFinite(units.A) && NonFiniteWeights.AllFinite(units.BT)
            && !double.IsNaN(module.Scale) && !double.IsInfinity(module.Scale);
        if (!finite)
        {
            throw new LoraLegoException(NonFiniteWeights.ErrorId, LoraErrorCategory.InvalidData, module.Name,
                string.Format(CultureInfo.InvariantCulture,
                    "Module '{0}' of '{1}' ({2}, {3}) holds NaN or infinite weights or scale, so it has no singular values; fix or drop the module.",
                    module.Name, module.Adapter.Name, module.AKey, module.BKey));
        }

        return units;
    }

    /// <summary>
    /// The SVD of the units' delta: every singular triplet above rounding noise (at most the unit count),
    /// from a QR of each side and the SVD of the small core.
    /// </summary>
    public static FactoredSvd Svd(UnitBlock units) =>
        FactoredSvd.Compute(units.A, units.BT, units.Scale, units.InFeatures, units.OutFeatures);
}
