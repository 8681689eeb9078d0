using System;
using System.Collections.Generic;
using System.Linq;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Tests.Methods;

/// <summary>
/// Dense (double, MathNet full SVD) versions of the 2025 spectral methods, written the way the papers'
/// reference code does it on d_out × d_in task vectors, for the tests to compare the factored methods against.
/// </summary>
internal static class SpectralReference
{
    private const double Zero = 1e-10;

    /// <summary>P Wᵀ for M = P Σ Wᵀ (thin).</summary>
    public static Matrix<double> Polar(Matrix<double> m)
    {
        var svd = m.Svd(true);
        int k = Math.Min(m.RowCount, m.ColumnCount);
        return svd.U.SubMatrix(0, m.RowCount, 0, k) * svd.VT.SubMatrix(0, k, 0, m.ColumnCount);
    }

    /// <summary>Number of singular values above 1e-10 of the largest.</summary>
    public static int NumericalRank(Matrix<double> m)
    {
        var s = m.Svd(false).S;
        return s.Count == 0 || s[0] == 0 ? 0 : s.Count(x => x > Zero * s[0]);
    }

    /// <summary>Σ σ polar(U_cat) polar(V_cat)ᵀ over the given triplets, with the given singular values.</summary>
    public static Matrix<double> Rebuild(List<Vector<double>> u, List<Vector<double>> v, IReadOnlyList<double> sigma)
    {
        var pu = Polar(Matrix<double>.Build.DenseOfColumnVectors(u));
        var pv = Polar(Matrix<double>.Build.DenseOfColumnVectors(v));
        return pu * Matrix<double>.Build.DenseOfDiagonalArray(sigma.ToArray()) * pv.Transpose();
    }

    /// <summary>TSV-M: each task keeps its top <paramref name="perTask"/> triplets (of its nonzero ones); concatenate, orthogonalise, rebuild.</summary>
    public static Matrix<double> TsvM(IReadOnlyList<Matrix<double>> deltas, int perTask)
    {
        var u = new List<Vector<double>>();
        var v = new List<Vector<double>>();
        var sigma = new List<double>();
        foreach (var d in deltas)
        {
            var svd = d.Svd(true);
            int keep = Math.Min(perTask, NumericalRank(d));
            for (int j = 0; j < keep; j++)
            {
                u.Add(svd.U.Column(j));
                v.Add(svd.VT.Row(j));
                sigma.Add(svd.S[j]);
            }
        }

        return Rebuild(u, v, sigma);
    }

    /// <summary>Iso-C: SVD of the sum cut to <paramref name="rank"/> (default its rank), every σ replaced by their mean.</summary>
    public static Matrix<double> IsoC(IReadOnlyList<Matrix<double>> deltas, int? rank)
    {
        var sum = deltas.Aggregate((x, y) => x + y);
        var svd = sum.Svd(true);
        int k = Math.Min(rank ?? int.MaxValue, NumericalRank(sum));
        double mean = Enumerable.Range(0, k).Average(j => svd.S[j]);
        var result = Matrix<double>.Build.Dense(sum.RowCount, sum.ColumnCount);
        for (int j = 0; j < k; j++) result += mean * svd.U.Column(j).OuterProduct(svd.VT.Row(j));
        return result;
    }

    /// <summary>Iso-CTS as in the reference code, with the budget K = <paramref name="rank"/> in place of min(d_out, d_in).</summary>
    public static Matrix<double> IsoCts(IReadOnlyList<Matrix<double>> deltas, int? rank, double commonFraction)
    {
        var sum = deltas.Aggregate((x, y) => x + y);
        int rho = NumericalRank(sum);
        int budget = rank ?? rho;
        int tasks = deltas.Count;
        int common = (int)(budget * commonFraction);
        int specificTotal = (int)Math.Round((budget - common) / (double)tasks, MidpointRounding.ToEven) * tasks;
        common = budget - specificTotal;
        int perTask = specificTotal / tasks;

        var svd = sum.Svd(true);
        int c = Math.Min(common, rho);
        var uc = svd.U.SubMatrix(0, sum.RowCount, 0, c);
        var u = new List<Vector<double>>();
        var v = new List<Vector<double>>();
        var sigma = new List<double>();
        foreach (var d in deltas)
        {
            var residual = d - (uc * (uc.Transpose() * d));
            var rs = residual.Svd(true);
            int keep = Math.Min(perTask, rs.S.Count(x => x > Zero * svd.S[0]));
            for (int j = 0; j < keep; j++)
            {
                u.Add(rs.U.Column(j));
                v.Add(rs.VT.Row(j));
                sigma.Add(rs.S[j]);
            }
        }

        for (int j = 0; j < c; j++)
        {
            u.Add(svd.U.Column(j));
            v.Add(svd.VT.Row(j));
            sigma.Add(svd.S[j]);
        }

        double mean = sigma.Average();
        return Rebuild(u, v, sigma.Select(_ => mean).ToList());
    }

    /// <summary>
    /// The core space of a set of LoRAs given by their (scaled) B and A matrices: U_B from the SVD of [B_1 … B_T],
    /// V_A from the SVD of [A_1; …; A_T] (each cut to its numerical rank), every basis vector signed so that its
    /// largest-magnitude entry is positive.
    /// </summary>
    public static (Matrix<double> UB, Matrix<double> VA) CoreBases(IReadOnlyList<Matrix<double>> b, IReadOnlyList<Matrix<double>> a)
    {
        var bStack = b.Aggregate((x, y) => x.Append(y));
        var aStack = a.Aggregate((x, y) => x.Stack(y));
        var ub = bStack.Svd(true).U.SubMatrix(0, bStack.RowCount, 0, NumericalRank(bStack));
        var va = aStack.Svd(true).VT;
        int ra = NumericalRank(aStack);
        return (Signed(ub), Signed(va.SubMatrix(0, ra, 0, aStack.ColumnCount).Transpose()));
    }

    private static Matrix<double> Signed(Matrix<double> basis)
    {
        var result = basis.Clone();
        for (int j = 0; j < basis.ColumnCount; j++)
        {
            var column = basis.Column(j);
            if (column[column.AbsoluteMaximumIndex()] < 0) result.SetColumn(j, -column);
        }

        return result;
    }
}
