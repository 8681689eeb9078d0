using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Reporting;

/// <summary>
/// Seam: the Frobenius inner product of two modules' deltas from their factors,
/// ⟨ΔW₁, ΔW₂⟩ = Σ_kl s_k t_l (b_k·c_l)(a_k·d_l) = trace((B₁ᵀB₂)(A₂A₁ᵀ)) with the scales folded in;
/// r₁·r₂ dot products, never a d_out × d_in matrix. The similarity heatmap reads inner products
/// only through here, so this file is the one place to point at the shared similarity engine
/// (Analysis.SimilarityMeasurer) once it is on main.
/// </summary>
internal static class SimilaritySeam
{
    public static double Inner(UnitBlock x, UnitBlock y)
    {
        double sum = 0;
        for (int k = 0; k < x.Count; k++)
        {
            for (int l = 0; l < y.Count; l++)
            {
                double ab = VectorKernels.Dot(x.UnitB(k), y.UnitB(l));
                if (ab == 0) continue;
                sum += x.Scale[k] * y.Scale[l] * ab * VectorKernels.Dot(x.UnitA(k), y.UnitA(l));
            }
        }

        return sum;
    }
}
