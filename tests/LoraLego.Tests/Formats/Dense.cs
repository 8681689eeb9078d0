using System;
using LoraLego.Adapters;
using LoraLego.SafeTensors;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Tests.Formats;

/// <summary>Dense deltas computed the plain way (MathNet, float64) to check the engine against.</summary>
internal static class Dense
{
    /// <summary>Scale · B · A from the raw tensors in the module's file (B and A reshaped to 2-D).</summary>
    public static Matrix<double> Delta(LoraModule m)
    {
        var file = SafeTensorFile.Open(m.Adapter.TensorFilePath);
        var a = file.ReadFloat32(m.AKey);
        var b = file.ReadFloat32(m.BKey);
        var A = Matrix<double>.Build.Dense(m.Rank, m.InFeatures, (i, j) => a[(i * m.InFeatures) + j]);
        var B = Matrix<double>.Build.Dense(m.OutFeatures, m.Rank, (i, j) => b[(i * m.Rank) + j]);
        return m.Scale * (B * A);
    }

    /// <summary>Σ scale_i · b_i a_iᵀ from a unit block, as (B·diag(scale))·A.</summary>
    public static Matrix<double> Delta(LoraLego.Units.UnitBlock u)
    {
        var bs = Matrix<double>.Build.Dense(u.OutFeatures, u.Count, (o, i) => u.Scale[i] * u.BT[(i * u.OutFeatures) + o]);
        var a = Matrix<double>.Build.Dense(u.Count, u.InFeatures, (i, k) => u.A[(i * u.InFeatures) + k]);
        return bs * a;
    }

    public static double RelativeError(Matrix<double> actual, Matrix<double> expected) =>
        Frobenius(actual - expected) / Math.Max(Frobenius(expected), 1e-30);

    /// <summary>√Σ x² over the entries. (MathNet's FrobeniusNorm forms A·Aᵀ: cubic, far too slow here.)</summary>
    public static double Frobenius(Matrix<double> m)
    {
        double sum = 0;
        foreach (var x in m.Enumerate()) sum += x * x;
        return Math.Sqrt(sum);
    }
}
