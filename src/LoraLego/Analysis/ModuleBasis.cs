using System;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Linalg;

namespace LoraLego.Analysis;

/// <summary>
/// One module's delta in SVD form, ΔW = Σ_i σ_i u_i v_iᵀ (float64, from the factored SVD), as the
/// similarity measures use it, with the number of directions above rounding noise of the float
/// factors (<see cref="SimilarityMeasurer.SubspaceTolerance"/> · σ_1).
/// </summary>
internal sealed class ModuleBasis
{
    private ModuleBasis(LoraModule module, FactoredSvd svd, int spanning)
    {
        Module = module;
        Svd = svd;
        Spanning = spanning;
        Norm = Math.Sqrt(VectorKernels.Dot(svd.Sigma, svd.Sigma));
    }

    public LoraModule Module { get; }

    public FactoredSvd Svd { get; }

    /// <summary>Directions with σ_i > tolerance·σ_1: the dimension of the column (and row) space.</summary>
    public int Spanning { get; }

    /// <summary>‖ΔW‖_F.</summary>
    public double Norm { get; }

    public static ModuleBasis Of(LoraModule module, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var svd = ModuleDecomposition.Svd(ModuleDecomposition.ReadFinite(module));
        int spanning = 0;
        while (spanning < svd.Rank && svd.Sigma[spanning] > SimilarityMeasurer.SubspaceTolerance * svd.Sigma[0]) spanning++;
        return new ModuleBasis(module, svd, spanning);
    }
}
