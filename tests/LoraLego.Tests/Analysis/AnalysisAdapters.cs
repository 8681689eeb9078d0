using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Tests.Formats;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Tests.Analysis;

/// <summary>Hand-made PEFT adapters for the analysis tests, and the dense references (MathNet, float64) they are checked against.</summary>
internal static class AnalysisAdapters
{
    /// <summary>One linear module: name, widths, and how fast its units' magnitudes fall (unit i scaled by decay^i).</summary>
    public sealed record Spec(string Module, int In, int Out, double Decay);

    public static readonly Spec[] Modules =
    {
        new("model.layers.0.self_attn.q_proj", 48, 40, 0.9),
        new("model.layers.0.self_attn.v_proj", 48, 24, 0.5),
        new("model.layers.1.self_attn.q_proj", 48, 40, 0.25),
        new("model.layers.1.mlp.down_proj", 64, 48, 0.7),
    };

    /// <summary>The same shapes on SD 1.x UNet layers: kohya files are written for Stable Diffusion and Flux layers only.</summary>
    public static readonly Spec[] UnetModules =
    {
        new("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", 48, 40, 0.9),
        new("down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_v", 48, 24, 0.5),
        new("down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q", 48, 40, 0.25),
        new("down_blocks.1.attentions.0.transformer_blocks.0.ff.net.2", 64, 48, 0.7),
    };

    /// <summary>A PEFT F32 adapter of rank <paramref name="rank"/>, lora_alpha <paramref name="alpha"/>, with the given modules.</summary>
    public static LoraAdapter Write(TempFolder tmp, string name, ulong seed, int rank = 6, double alpha = 12, IEnumerable<Spec>? modules = null, Func<Spec, int, int, float, float>? editB = null)
    {
        var tensors = new List<TestTensor>();
        int index = 0;
        foreach (var m in modules ?? Modules)
        {
            ulong s = seed * 7919 + (ulong)index++ * 104729;
            var a = TestFiles.Values(rank * m.In, s);
            var b = TestFiles.Values(m.Out * rank, s + 1);
            for (int o = 0; o < m.Out; o++)
            {
                for (int k = 0; k < rank; k++)
                {
                    float v = (float)(b[(o * rank) + k] * Math.Pow(m.Decay, k));
                    b[(o * rank) + k] = editB is null ? v : editB(m, o, k, v);
                }
            }

            tensors.Add(TestTensor.F32($"base_model.model.{m.Module}.lora_A.weight", new long[] { rank, m.In }, a));
            tensors.Add(TestTensor.F32($"base_model.model.{m.Module}.lora_B.weight", new long[] { m.Out, rank }, b));
        }

        return AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine(name), TestFiles.PeftConfig(rank, alpha), tensors));
    }

    /// <summary>Singular values of a dense matrix, descending.</summary>
    public static double[] Sigma(Matrix<double> m) => m.Svd(computeVectors: false).S.ToArray();

    /// <summary>The best rank-k approximation by MathNet's dense SVD.</summary>
    public static Matrix<double> Truncate(Matrix<double> m, int k)
    {
        var svd = m.Svd(computeVectors: true);
        var result = Matrix<double>.Build.Dense(m.RowCount, m.ColumnCount);
        for (int i = 0; i < k; i++) result += svd.S[i] * svd.U.Column(i).OuterProduct(svd.VT.Row(i));
        return result;
    }

    /// <summary>Orthonormal bases (columns) of the column and row spaces: singular vectors with σ &gt; tolerance·σ_1.</summary>
    public static (Matrix<double> Columns, Matrix<double> Rows) Spaces(Matrix<double> m, double tolerance)
    {
        var svd = m.Svd(computeVectors: true);
        int k = 0;
        while (k < svd.S.Count && svd.S[k] > tolerance * svd.S[0]) k++;
        return (svd.U.SubMatrix(0, m.RowCount, 0, k), svd.VT.SubMatrix(0, k, 0, m.ColumnCount).Transpose());
    }

    /// <summary>Mean of cos² of the principal angles between span(x) and span(y) (orthonormal columns): singular values of xᵀy.</summary>
    public static double MeanSquaredCosine(Matrix<double> x, Matrix<double> y)
    {
        int k = Math.Min(x.ColumnCount, y.ColumnCount);
        if (k == 0) return 0;
        var cosines = (x.Transpose() * y).Svd(computeVectors: false).S;
        return cosines.Take(k).Sum(c => c * c) / k;
    }

    public static double Inner(Matrix<double> x, Matrix<double> y) => x.PointwiseMultiply(y).Enumerate().Sum();
}
