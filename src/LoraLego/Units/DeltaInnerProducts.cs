using System;
using System.Collections.Generic;
using LoraLego.Linalg;

namespace LoraLego.Units;

/// <summary>
/// Frobenius inner products of one module's deltas, from their factors:
/// ⟨ΔW_t, ΔW_u⟩ = Σ_{i∈t, j∈u} s_i s_j (b_i·b_j)(a_i·a_j), read from the Gram matrices of every
/// unit's a and b (float64 sums, <see cref="GramMatrix"/>). Cost n²·(d_in + d_out) for n units in all;
/// a d_out × d_in matrix is never formed.
/// </summary>
public static class DeltaInnerProducts
{
    /// <summary>P[t, u] = ⟨ΔW_t, ΔW_u⟩ for the blocks (all of one module's shape), T × T.</summary>
    public static double[,] Matrix(IReadOnlyList<UnitBlock> blocks)
    {
        if (blocks is null) throw new ArgumentNullException(nameof(blocks));
        int t = blocks.Count;
        var p = new double[t, t];
        if (t == 0) return p;
        var all = UnitBlockOps.Concatenate(blocks);
        int n = all.Count;
        var ga = GramMatrix.Compute(all.A, n, all.InFeatures);
        var gb = GramMatrix.Compute(all.BT, n, all.OutFeatures);
        var owner = new int[n];
        for (int b = 0, i = 0; b < t; b++)
        {
            for (int k = 0; k < blocks[b].Count; k++) owner[i++] = b;
        }

        for (int i = 0; i < n; i++)
        {
            double si = all.Scale[i];
            if (si == 0) continue;
            for (int j = 0; j < n; j++)
            {
                long ij = ((long)i * n) + j;
                p[owner[i], owner[j]] += si * all.Scale[j] * ga[ij] * gb[ij];
            }
        }

        return p;
    }

    /// <summary>⟨ΔW_x, ΔW_y⟩.</summary>
    public static double Of(UnitBlock x, UnitBlock y) => Matrix(new[] { x, y })[0, 1];

    /// <summary>‖ΔW‖²_F.</summary>
    public static double SquaredNorm(UnitBlock x) => Matrix(new[] { x })[0, 0];
}
