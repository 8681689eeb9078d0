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

    /// <summary>Σ scale_i · b_i a_iᵀ from a unit block.</summary>
    public static Matrix<double> Delta(LoraLego.Units.UnitBlock u)
    {
        var d = Matrix<double>.Build.Dense(u.OutFeatures, u.InFeatures);
        for (int i = 0; i < u.Count; i++)
        {
            var a = u.UnitA(i).ToArray();
            var b = u.UnitB(i).ToArray();
            for (int o = 0; o < u.OutFeatures; o++)
            {
                for (int k = 0; k < u.InFeatures; k++) d[o, k] += u.Scale[i] * b[o] * a[k];
            }
        }

        return d;
    }

    public static double RelativeError(Matrix<double> actual, Matrix<double> expected) =>
        (actual - expected).FrobeniusNorm() / Math.Max(expected.FrobeniusNorm(), 1e-30);
}
