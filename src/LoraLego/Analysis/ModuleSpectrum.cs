using System;
using System.Collections.Generic;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Measuring;

namespace LoraLego.Analysis;

/// <summary>
/// The singular values of one module's delta ΔW = Scale·B·A (from the factors, never the dense
/// matrix) and the numbers that summarise them. A zero delta has no spread: its effective and
/// stable ranks and its top share are 0.
/// </summary>
public sealed class ModuleSpectrum
{
    public ModuleSpectrum(string adapter, string module, int rank, int inFeatures, int outFeatures, IReadOnlyList<double> singularValues)
    {
        Adapter = adapter ?? throw new ArgumentNullException(nameof(adapter));
        Module = module ?? throw new ArgumentNullException(nameof(module));
        Rank = rank;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        SingularValues = singularValues ?? throw new ArgumentNullException(nameof(singularValues));
        double energy = 0;
        foreach (double s in singularValues) energy += s * s;
        Energy = energy;
        SpectralNorm = singularValues.Count == 0 ? 0 : singularValues[0];
        EffectiveRank = MergeMeasurer.EffectiveRank(singularValues);
        StableRank = SpectralNorm > 0 ? energy / (SpectralNorm * SpectralNorm) : 0;
        TopShare = energy > 0 ? SpectralNorm * SpectralNorm / energy : 0;
    }

    /// <summary>The adapter's name.</summary>
    public string Adapter { get; }

    /// <summary>The module's name (LoraModule.Name).</summary>
    public string Module { get; }

    /// <summary>The module's stored rank (its unit count).</summary>
    public int Rank { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>
    /// σ_1 ≥ σ_2 ≥ … of ΔW with the module's scale: at most the rank; values at or below 1e-12·σ_1 are
    /// rounding zeros and left out (a rank-deficient module lists fewer, a zero delta none).
    /// </summary>
    public IReadOnlyList<double> SingularValues { get; }

    /// <summary>‖ΔW‖²_F = Σσ².</summary>
    public double Energy { get; }

    /// <summary>‖ΔW‖_F.</summary>
    public double FrobeniusNorm => Math.Sqrt(Energy);

    /// <summary>σ_1 = ‖ΔW‖_2.</summary>
    public double SpectralNorm { get; }

    /// <summary>exp(H(p)) with p = σ/Σσ (Roy and Vetterli 2007): 1 for a rank-1 delta, the rank for a flat spectrum.</summary>
    public double EffectiveRank { get; }

    /// <summary>‖ΔW‖²_F / σ_1² (between 1 and the rank).</summary>
    public double StableRank { get; }

    /// <summary>σ_1² / Σσ²: the share of the energy in the top singular direction (1 / StableRank).</summary>
    public double TopShare { get; }

    /// <summary>Σ_{i≤k} σ_i² / Σσ²: the share of the energy the best rank-<paramref name="k"/> approximation keeps (1 for a zero delta).</summary>
    public double EnergyKept(int k)
    {
        if (Energy <= 0) return 1;
        double kept = 0;
        for (int i = 0; i < Math.Min(k, SingularValues.Count); i++) kept += SingularValues[i] * SingularValues[i];
        return kept / Energy;
    }

    /// <summary>The spectrum of <paramref name="module"/>: reads its factors once, QR of each side and the SVD of the small core.</summary>
    public static ModuleSpectrum Measure(LoraModule module, CancellationToken cancellationToken = default)
    {
        if (module is null) throw new ArgumentNullException(nameof(module));
        cancellationToken.ThrowIfCancellationRequested();
        var units = ModuleDecomposition.ReadFinite(module);
        var svd = ModuleDecomposition.Svd(units);
        return new ModuleSpectrum(module.Adapter.Name, module.Name, module.Rank, module.InFeatures, module.OutFeatures, Array.AsReadOnly(svd.Sigma));
    }

    public override string ToString() => $"{Adapter}:{Module} σ1={SpectralNorm:G4} erank={EffectiveRank:F2}";
}
