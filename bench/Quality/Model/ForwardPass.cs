using System;
using System.Collections.Generic;
using LoraLego.Bench.Quality.Numerics;
using LoraLego.Units;

namespace LoraLego.Bench.Quality.Model;

/// <summary>
/// Forward and backward passes of <see cref="Network"/> with an optional low-rank delta per layer.
/// A delta is a <see cref="UnitBlock"/>: layer output += outputScale · Σ_i Scale[i] b_i (a_i · x),
/// so trained LoRAs and merged adapters go through exactly the same code.
/// Buffers are kept between calls for one batch size.
/// </summary>
internal sealed class ForwardPass
{
    private readonly Network _net;
    private readonly float[][] _inputs;   // per layer: its input (n × in)
    private readonly float[][] _pre;      // per layer: pre-activation (n × out)
    private readonly float[][] _proj;     // per layer: x · Aᵀ, scaled (n × units)
    private readonly float[][] _grad;     // per layer: gradient wrt pre-activation
    private int _n;

    public ForwardPass(Network net, int maxBatch, int maxUnits)
    {
        _net = net;
        int layers = net.Layers;
        _inputs = new float[layers][];
        _pre = new float[layers][];
        _proj = new float[layers][];
        _grad = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            _pre[l] = new float[maxBatch * net.OutFeatures(l)];
            _grad[l] = new float[maxBatch * net.OutFeatures(l)];
            _proj[l] = new float[maxBatch * maxUnits];
            _inputs[l] = new float[maxBatch * net.InFeatures(l)];
        }
    }

    /// <summary>Runs n samples; returns the logits buffer (n × classes), valid until the next call.</summary>
    public float[] Forward(float[] x, int offsetSamples, int n, IReadOnlyList<UnitBlock?>? deltas, double outputScale)
    {
        _n = n;
        int in0 = _net.InFeatures(0);
        Array.Copy(x, offsetSamples * in0, _inputs[0], 0, n * in0);

        for (int l = 0; l < _net.Layers; l++)
        {
            int din = _net.InFeatures(l), dout = _net.OutFeatures(l);
            var input = _inputs[l];
            var z = _pre[l];
            Kernels.MatMulTransB(input, _net.Weights[l], z, n, din, dout);
            var bias = _net.Biases[l];
            for (int i = 0; i < n; i++) Kernels.Axpy(1f, bias, new Span<float>(z, i * dout, dout));

            var delta = deltas?[l];
            if (delta is { Count: > 0 })
            {
                int k = delta.Count;
                var p = _proj[l];
                Kernels.MatMulTransB(input, delta.A, p, n, din, k);
                for (int i = 0; i < n; i++)
                    for (int t = 0; t < k; t++) p[i * k + t] *= (float)(outputScale * delta.Scale[t]);
                Kernels.MatMulAdd(p, delta.BT, z, n, k, dout);
            }

            if (l + 1 < _net.Layers)
            {
                var h = _inputs[l + 1];
                for (int i = 0; i < n * dout; i++) h[i] = z[i] > 0f ? z[i] : 0f;
            }
        }

        return _pre[_net.Layers - 1];
    }

    /// <summary>
    /// Softmax cross-entropy of the last forward pass against labels; writes dLoss/dLogits (mean over
    /// the batch) and returns the mean loss.
    /// </summary>
    public double SoftmaxCrossEntropy(int[] labels, int offsetSamples)
    {
        int last = _net.Layers - 1, c = _net.OutFeatures(last);
        var z = _pre[last];
        var g = _grad[last];
        double loss = 0;
        for (int i = 0; i < _n; i++)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < c; j++) max = Math.Max(max, z[i * c + j]);
            double sum = 0;
            for (int j = 0; j < c; j++) sum += Math.Exp(z[i * c + j] - max);
            int y = labels[offsetSamples + i];
            loss += Math.Log(sum) - (z[i * c + y] - max);
            for (int j = 0; j < c; j++)
            {
                double prob = Math.Exp(z[i * c + j] - max) / sum;
                g[i * c + j] = (float)((prob - (j == y ? 1 : 0)) / _n);
            }
        }

        return loss / _n;
    }

    /// <summary>
    /// Backpropagates the gradient left by <see cref="SoftmaxCrossEntropy"/>. Accumulates into
    /// <paramref name="baseGrads"/> (dW, db per layer) when given, and into <paramref name="deltaGrads"/>
    /// (dA, dBT per layer, of the deltas' factors) when given.
    /// </summary>
    public void Backward(IReadOnlyList<UnitBlock?>? deltas, double outputScale, LayerGradients? baseGrads, LayerGradients? deltaGrads)
    {
        int n = _n;
        for (int l = _net.Layers - 1; l >= 0; l--)
        {
            int din = _net.InFeatures(l), dout = _net.OutFeatures(l);
            var gz = _grad[l];
            var input = _inputs[l];
            if (baseGrads is not null)
            {
                Kernels.TransAMatMulAdd(1f, gz, input, baseGrads.First[l], n, dout, din);
                var db = baseGrads.Second[l];
                for (int i = 0; i < n; i++) Kernels.Axpy(1f, new ReadOnlySpan<float>(gz, i * dout, dout), db);
            }

            var delta = deltas?[l];
            float[]? q = null;
            int k = delta?.Count ?? 0;
            if (delta is not null && k > 0)
            {
                // q = gz · B (n × k), times each unit's scale: the gradient wrt the unit's projection a_i · x.
                q = new float[n * k];
                Kernels.MatMulTransB(gz, delta.BT, q, n, dout, k);
                for (int i = 0; i < n; i++)
                    for (int t = 0; t < k; t++) q[i * k + t] *= (float)(outputScale * delta.Scale[t]);
                if (deltaGrads is not null)
                {
                    Kernels.TransAMatMulAdd(1f, q, input, deltaGrads.First[l], n, k, din);
                    Kernels.TransAMatMulAdd(1f, _proj[l], gz, deltaGrads.Second[l], n, k, dout);
                }
            }

            if (l == 0) break;
            var gprev = _grad[l - 1];
            Array.Clear(gprev, 0, n * din);
            Kernels.MatMulAdd(gz, _net.Weights[l], gprev, n, dout, din);
            if (q is not null) Kernels.MatMulAdd(q, delta!.A, gprev, n, k, din);
            var zprev = _pre[l - 1];
            for (int i = 0; i < n * din; i++) if (zprev[i] <= 0f) gprev[i] = 0f;
        }
    }

    /// <summary>Predicted class of each of the last forward pass's samples.</summary>
    public void ArgMax(int[] into)
    {
        int last = _net.Layers - 1, c = _net.OutFeatures(last);
        var z = _pre[last];
        for (int i = 0; i < _n; i++)
        {
            int best = 0;
            for (int j = 1; j < c; j++) if (z[i * c + j] > z[i * c + best]) best = j;
            into[i] = best;
        }
    }
}

/// <summary>Two gradient arrays per layer (dW and db for the base, dA and dBT for a delta).</summary>
internal sealed class LayerGradients
{
    public LayerGradients(float[][] first, float[][] second)
    {
        First = first;
        Second = second;
    }

    public float[][] First { get; }

    public float[][] Second { get; }

    public void Clear()
    {
        foreach (var a in First) Array.Clear(a, 0, a.Length);
        foreach (var a in Second) Array.Clear(a, 0, a.Length);
    }
}
