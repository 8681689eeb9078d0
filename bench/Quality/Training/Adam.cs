using System;

namespace LoraLego.Bench.Quality.Training;

/// <summary>Adam (Kingma &amp; Ba) over a fixed list of float32 parameter arrays; moments in float64.</summary>
internal sealed class Adam
{
    private readonly float[][] _parameters;
    private readonly double[][] _m;
    private readonly double[][] _v;
    private readonly double _lr;
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private int _step;

    public Adam(float[][] parameters, double learningRate)
    {
        _parameters = parameters;
        _lr = learningRate;
        _m = new double[parameters.Length][];
        _v = new double[parameters.Length][];
        for (int i = 0; i < parameters.Length; i++)
        {
            _m[i] = new double[parameters[i].Length];
            _v[i] = new double[parameters[i].Length];
        }
    }

    /// <summary>One update; <paramref name="grads"/> is parallel to the parameter list.</summary>
    public void Step(float[][] grads)
    {
        _step++;
        double c1 = 1 - Math.Pow(Beta1, _step), c2 = 1 - Math.Pow(Beta2, _step);
        for (int p = 0; p < _parameters.Length; p++)
        {
            var w = _parameters[p];
            var g = grads[p];
            var m = _m[p];
            var v = _v[p];
            for (int i = 0; i < w.Length; i++)
            {
                m[i] = Beta1 * m[i] + (1 - Beta1) * g[i];
                v[i] = Beta2 * v[i] + (1 - Beta2) * g[i] * g[i];
                w[i] -= (float)(_lr * (m[i] / c1) / (Math.Sqrt(v[i] / c2) + Epsilon));
            }
        }
    }
}
