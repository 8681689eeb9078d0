using System;
using LoraLego.Linalg;

namespace LoraLego.Units;

/// <summary>How a unit becomes a clustering feature vector.</summary>
public enum FeatureNormalization
{
    /// <summary>[a/‖a‖ ; b/‖b‖]: direction only, each half weighted equally (the known re-implementation's choice).</summary>
    PerHalfL2,

    /// <summary>Raw [a ; b].</summary>
    None,
}

/// <summary>
/// Clustering features of units. K-means only needs their inner products, and ⟨[a_i;b_i],[a_j;b_j]⟩ =
/// ⟨a_i,a_j⟩ + ⟨b_i,b_j⟩, so the feature Gram comes from the A and B Grams without building the features
/// (see <see cref="UnitPool.FeatureGram"/>).
/// </summary>
public static class UnitFeatures
{
    /// <summary>The feature vectors themselves, n × (InFeatures + OutFeatures) row-major: [a ; b] or [a/‖a‖ ; b/‖b‖] per unit.</summary>
    public static float[] Build(UnitBlock block, FeatureNormalization normalization)
    {
        if (block is null) throw new ArgumentNullException(nameof(block));
        int n = block.Count, din = block.InFeatures, dout = block.OutFeatures, d = din + dout;
        var f = new float[(long)n * d];
        for (int i = 0; i < n; i++)
        {
            double sa = 1, sb = 1;
            if (normalization == FeatureNormalization.PerHalfL2)
            {
                sa = InverseOf(Math.Sqrt(VectorKernels.SumOfSquares(block.UnitA(i))));
                sb = InverseOf(Math.Sqrt(VectorKernels.SumOfSquares(block.UnitB(i))));
            }

            var ua = block.UnitA(i);
            var ub = block.UnitB(i);
            for (int j = 0; j < din; j++) f[((long)i * d) + j] = (float)(ua[j] * sa);
            for (int j = 0; j < dout; j++) f[((long)i * d) + din + j] = (float)(ub[j] * sb);
        }

        return f;
    }

    // A zero half has no direction; it contributes a zero vector rather than NaNs.
    private static double InverseOf(double norm) => norm > 0 ? 1.0 / norm : 0.0;

}
