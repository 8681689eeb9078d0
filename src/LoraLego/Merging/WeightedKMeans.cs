using System;
using System.Collections.Generic;
using LoraLego.Clustering;

namespace LoraLego.Merging;

/// <summary>
/// Weighted k-means on a Gram matrix: centroid c = Σ w_l x_l / Σ w_l over its members, so
/// ‖x_i − c‖² = G_ii − 2 Σ_l w_l G_il / W + Σ_{l,m} w_l w_m G_lm / W². k-means++ seeding with
/// probability ∝ w_i · d_i²; objective Σ_i w_i ‖x_i − c(i)‖². Single-threaded, fixed order: deterministic.
/// </summary>
internal static class WeightedKMeans
{
    public static (int[] Assignment, double Inertia) Run(double[] g, double[] w, int n, int k, int maxIterations, SplitMix64 rng)
    {
        var assignment = Seed(g, w, n, k, rng);
        double inertia = double.PositiveInfinity;
        for (int it = 0; it < Math.Max(1, maxIterations); it++)
        {
            var (next, total) = Assign(g, w, n, k, assignment);
            bool changed = false;
            for (int i = 0; i < n; i++) changed |= next[i] != assignment[i];
            assignment = next;
            inertia = total;
            if (!changed) break;
        }

        return (assignment, inertia);
    }

    private static (int[] Next, double Inertia) Assign(double[] g, double[] w, int n, int k, int[] assignment)
    {
        var members = new List<int>[k];
        for (int c = 0; c < k; c++) members[c] = new List<int>();
        for (int i = 0; i < n; i++) members[assignment[i]].Add(i);

        var self = new double[k];
        var mass = new double[k];
        for (int c = 0; c < k; c++)
        {
            foreach (int l in members[c])
            {
                mass[c] += w[l];
                foreach (int m in members[c]) self[c] += w[l] * w[m] * g[(l * n) + m];
            }
        }

        var next = new int[n];
        var distance = new double[n];
        double inertia = 0;
        for (int i = 0; i < n; i++)
        {
            int best = assignment[i];
            double bestD = double.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                if (mass[c] <= 0) continue;
                double cross = 0;
                foreach (int l in members[c]) cross += w[l] * g[(i * n) + l];
                double d = Math.Max(0, g[(i * n) + i] - (2 * cross / mass[c]) + (self[c] / (mass[c] * mass[c])));
                if (d < bestD - 1e-15)
                {
                    bestD = d;
                    best = c;
                }
            }

            next[i] = best;
            distance[i] = double.IsInfinity(bestD) ? 0 : bestD;
            inertia += w[i] * distance[i];
        }

        // A cluster left empty takes the unit that costs the most where it is (from a cluster of two or more).
        var sizes = new int[k];
        foreach (int c in next) sizes[c]++;
        for (int c = 0; c < k; c++)
        {
            if (sizes[c] > 0) continue;
            int worst = -1;
            for (int i = 0; i < n; i++)
                if (sizes[next[i]] > 1 && (worst < 0 || w[i] * distance[i] > w[worst] * distance[worst])) worst = i;
            if (worst < 0) break;
            sizes[next[worst]]--;
            next[worst] = c;
            sizes[c]++;
        }

        return (next, inertia);
    }

    private static int[] Seed(double[] g, double[] w, int n, int k, SplitMix64 rng)
    {
        var seeds = new List<int>();
        var nearest = new double[n];
        for (int i = 0; i < n; i++) nearest[i] = double.PositiveInfinity;
        var assignment = new int[n];
        while (seeds.Count < k)
        {
            double total = 0;
            for (int i = 0; i < n; i++) total += w[i] * (seeds.Count == 0 ? 1 : nearest[i]);
            int pick = -1;
            if (total > 0)
            {
                double target = rng.NextDouble() * total;
                for (int i = 0; i < n && pick < 0; i++)
                {
                    target -= w[i] * (seeds.Count == 0 ? 1 : nearest[i]);
                    if (target < 0) pick = i;
                }
            }

            if (pick < 0 || seeds.Contains(pick))
            {
                pick = 0;
                while (seeds.Contains(pick)) pick++;
            }

            seeds.Add(pick);
            for (int i = 0; i < n; i++)
            {
                double d = Math.Max(0, g[(i * n) + i] + g[(pick * n) + pick] - (2 * g[(i * n) + pick]));
                if (d < nearest[i])
                {
                    nearest[i] = d;
                    assignment[i] = seeds.Count - 1;
                }
            }
        }

        return assignment;
    }
}
