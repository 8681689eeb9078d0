using System;

namespace LoraLego.Bench.Quality.Numerics;

/// <summary>
/// Seeded uniform and Gaussian draws. System.Random with an explicit seed keeps one fixed algorithm
/// across .NET versions, so every run of the benchmark sees the same data and initial weights.
/// </summary>
internal sealed class SeededRandom
{
    private readonly Random _random;
    private double? _spareGaussian;

    public SeededRandom(int seed) => _random = new Random(seed);

    public double Uniform() => _random.NextDouble();

    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    /// <summary>Box–Muller, keeping the second draw for the next call.</summary>
    public double Gaussian()
    {
        if (_spareGaussian is double spare)
        {
            _spareGaussian = null;
            return spare;
        }

        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = radius * Math.Sin(2 * Math.PI * u2);
        return radius * Math.Cos(2 * Math.PI * u2);
    }

    public float[] GaussianArray(int count, double std)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)(std * Gaussian());
        return v;
    }

    public float[] UniformArray(int count, double bound)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)((2 * _random.NextDouble() - 1) * bound);
        return v;
    }

    /// <summary>Fisher–Yates permutation of 0..n-1.</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = _random.Next(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }

        return p;
    }

    /// <summary>Orthonormal basis of a random <paramref name="dim"/>-dimensional subspace of R^n (columns, Gram–Schmidt in double).</summary>
    public double[][] OrthonormalBasis(int n, int dim)
    {
        var basis = new double[dim][];
        for (int c = 0; c < dim; c++)
        {
            var v = new double[n];
            for (int i = 0; i < n; i++) v[i] = Gaussian();
            for (int p = 0; p < c; p++)
            {
                double d = 0;
                for (int i = 0; i < n; i++) d += v[i] * basis[p][i];
                for (int i = 0; i < n; i++) v[i] -= d * basis[p][i];
            }

            double norm = 0;
            for (int i = 0; i < n; i++) norm += v[i] * v[i];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < n; i++) v[i] /= norm;
            basis[c] = v;
        }

        return basis;
    }
}
