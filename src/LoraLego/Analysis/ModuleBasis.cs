using System;
using System.Threading;
using LoraLego.Adapters;

namespace LoraLego.Analysis;

/// <summary>
/// One module's delta in SVD form, ΔW = Σ_i σ_i u_i v_iᵀ = P Q with P = U√Σ and Q = √Σ Vᵀ, as the
/// similarity measures use it: rows √σ_i u_i and √σ_i v_i (float32), σ in float64, and how many
/// directions are above rounding noise (<see cref="SimilarityMeasurer.SubspaceTolerance"/> · σ_1).
/// </summary>
internal sealed class ModuleBasis
{
    private ModuleBasis(LoraModule module, double[] sigma, float[] p, float[] q, int spanning)
    {
        Module = module;
        Sigma = sigma;
        P = p;
        Q = q;
        Spanning = spanning;
        double energy = 0;
        foreach (double s in sigma) energy += s * s;
        Norm = Math.Sqrt(energy);
    }

    public LoraModule Module { get; }

    /// <summary>The kept singular values, descending (one per row of P and Q).</summary>
    public double[] Sigma { get; }

    /// <summary>Count × OutFeatures: row i is √σ_i u_i.</summary>
    public float[] P { get; }

    /// <summary>Count × InFeatures: row i is √σ_i v_i.</summary>
    public float[] Q { get; }

    public int Count => Sigma.Length;

    /// <summary>Directions with σ_i > tolerance·σ_1: the dimension of the column (and row) space.</summary>
    public int Spanning { get; }

    /// <summary>‖ΔW‖_F.</summary>
    public double Norm { get; }

    public ReadOnlySpan<float> LeftRow(int i) => new(P, i * Module.OutFeatures, Module.OutFeatures);

    public ReadOnlySpan<float> RightRow(int i) => new(Q, i * Module.InFeatures, Module.InFeatures);

    public static ModuleBasis Of(LoraModule module, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var units = ModuleDecomposition.ReadFinite(module);
        var svd = ModuleDecomposition.Svd(units, units.Count);
        var sigma = new double[svd.Rank];
        Array.Copy(svd.SingularValues, sigma, sigma.Length);
        int spanning = 0;
        while (spanning < sigma.Length && sigma[spanning] > SimilarityMeasurer.SubspaceTolerance * sigma[0]) spanning++;
        return new ModuleBasis(module, sigma, svd.BT, svd.A, spanning);
    }
}
