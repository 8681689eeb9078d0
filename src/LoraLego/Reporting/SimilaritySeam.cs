using LoraLego.Units;

namespace LoraLego.Reporting;

/// <summary>
/// Seam: the Frobenius inner product of two modules' deltas from their factors, through the engine's
/// one implementation (<see cref="DeltaInnerProducts"/>); the similarity heatmap reads inner products only here.
/// </summary>
internal static class SimilaritySeam
{
    public static double Inner(UnitBlock x, UnitBlock y) => DeltaInnerProducts.Of(x, y);
}
