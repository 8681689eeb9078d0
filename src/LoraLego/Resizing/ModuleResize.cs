using System;
using System.Collections.Generic;

namespace LoraLego.Resizing;

/// <summary>What resizing did to one module: the ranks and how much of the delta the new rank keeps.</summary>
public sealed class ModuleResize
{
    public ModuleResize(string adapter, string module, int oldRank, int newRank, int inFeatures, int outFeatures, IReadOnlyList<double> singularValues)
    {
        Adapter = adapter ?? throw new ArgumentNullException(nameof(adapter));
        Module = module ?? throw new ArgumentNullException(nameof(module));
        OldRank = oldRank;
        NewRank = newRank;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        SingularValues = singularValues ?? throw new ArgumentNullException(nameof(singularValues));
        double energy = 0, kept = 0, sum = 0, sumKept = 0;
        for (int i = 0; i < singularValues.Count; i++)
        {
            double s = singularValues[i];
            energy += s * s;
            sum += s;
            if (i < newRank)
            {
                kept += s * s;
                sumKept += s;
            }
        }

        EnergyKept = energy > 0 ? kept / energy : 1;
        CumulativeKept = sum > 0 ? sumKept / sum : 1;
        double last = newRank >= 1 && newRank <= singularValues.Count ? singularValues[newRank - 1] : 0;
        SingularValueRatio = last > 0 ? singularValues[0] / last : double.PositiveInfinity;
        RelativeError = Math.Sqrt(Math.Max(0, 1 - EnergyKept));
    }

    public string Adapter { get; }

    public string Module { get; }

    public int OldRank { get; }

    public int NewRank { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>All singular values of the module's delta (with its scale), descending.</summary>
    public IReadOnlyList<double> SingularValues { get; }

    /// <summary>Σ_{i≤k} σ_i² / Σσ²: the share of ‖ΔW‖²_F the rank-k truncation keeps (1 for a zero delta).</summary>
    public double EnergyKept { get; }

    /// <summary>‖ΔW_k‖_F / ‖ΔW‖_F = √EnergyKept (kohya's "fro retained", what -EnergyRatio compares).</summary>
    public double FrobeniusKept => Math.Sqrt(EnergyKept);

    /// <summary>Σ_{i≤k} σ_i / Σσ (kohya's "sum(S) retained", what -CumulativeRatio compares).</summary>
    public double CumulativeKept { get; }

    /// <summary>σ_1 / σ_k (kohya's "max ratio"; -SingularValueRatio keeps it ≤ q); +∞ when σ_k is 0.</summary>
    public double SingularValueRatio { get; }

    /// <summary>‖ΔW − ΔW_k‖_F / ‖ΔW‖_F = √(1 − EnergyKept) (Eckart–Young).</summary>
    public double RelativeError { get; }

    /// <summary>Stored values before: rank · (in + out).</summary>
    public long OldParameters => (long)OldRank * (InFeatures + OutFeatures);

    /// <summary>Stored values after: new rank · (in + out).</summary>
    public long NewParameters => (long)NewRank * (InFeatures + OutFeatures);

    public override string ToString() => $"{Module}: r {OldRank} → {NewRank}, energy kept {EnergyKept:P2}";
}
