using System;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Linalg;

namespace LoraLego.Analysis;

/// <summary>
/// Compares two deltas of one module from their factors, never the d_out × d_in matrices. Each delta
/// is put in SVD form ΔW = U Σ Vᵀ by the factored SVD; with G_U = U₁ᵀU₂ and G_V = V₁ᵀV₂ (k₁ × k₂ dot
/// products of length d_out and d_in), ⟨ΔW₁, ΔW₂⟩_F = trace((B₁ᵀB₂)(A₂A₁ᵀ)) for the factors B = UΣ,
/// A = Vᵀ, i.e. Σ_ij σ_i τ_j G_U[i,j] G_V[i,j]; and the cosines of the principal angles between the
/// column spaces are the singular values of G_U, whose squares sum to ‖G_U‖²_F, so the mean squared
/// cosine needs no further SVD. Cost O(k₁k₂(d_in + d_out)).
/// </summary>
public static class SimilarityMeasurer
{
    /// <summary>Singular directions with σ ≤ this × σ_1 are rounding noise of float factors and span nothing.</summary>
    public const double SubspaceTolerance = 1e-6;

    /// <summary>Cosine and subspace overlaps of <paramref name="reference"/>'s and <paramref name="other"/>'s deltas (same shape).</summary>
    public static ModuleSimilarity Compare(LoraModule reference, LoraModule other, CancellationToken cancellationToken = default)
    {
        if (reference is null) throw new ArgumentNullException(nameof(reference));
        if (other is null) throw new ArgumentNullException(nameof(other));
        CheckShapes(reference, other);
        return Compare(ModuleBasis.Of(reference, cancellationToken), ModuleBasis.Of(other, cancellationToken), cancellationToken);
    }

    internal static void CheckShapes(LoraModule x, LoraModule y)
    {
        if (x.InFeatures == y.InFeatures && x.OutFeatures == y.OutFeatures) return;
        throw new LoraLegoException("ModuleShapeMismatch", LoraErrorCategory.InvalidData, x.Name,
            $"Module '{x.Name}' is {x.OutFeatures}×{x.InFeatures} in '{x.Adapter.Name}' but {y.OutFeatures}×{y.InFeatures} in '{y.Adapter.Name}': the adapters adapt different base models, so this module is not compared.");
    }

    internal static ModuleSimilarity Compare(ModuleBasis x, ModuleBasis y, CancellationToken cancellationToken)
    {
        double inner = 0, columns = 0, rows = 0;
        var (sx, sy) = (x.Svd, y.Svd);
        for (int i = 0; i < sx.Rank; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int j = 0; j < sy.Rank; j++)
            {
                double gu = VectorKernels.Dot(sx.U[i], sy.U[j]);
                double gv = VectorKernels.Dot(sx.V[i], sy.V[j]);
                inner += sx.Sigma[i] * sy.Sigma[j] * gu * gv;
                if (i >= x.Spanning || j >= y.Spanning) continue;
                columns += gu * gu;
                rows += gv * gv;
            }
        }

        int dimension = Math.Min(x.Spanning, y.Spanning);
        return new ModuleSimilarity(x.Module.Adapter.Name, y.Module.Adapter.Name, x.Module.Name, x.Norm, y.Norm, inner,
            dimension == 0 ? 0 : Math.Min(1, columns / dimension), dimension == 0 ? 0 : Math.Min(1, rows / dimension));
    }
}
