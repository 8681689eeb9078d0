using System;
using System.Collections.Generic;
using LoraLego.Bench.Quality.Data;
using LoraLego.Bench.Quality.Model;
using LoraLego.Bench.Quality.Numerics;
using LoraLego.Units;

namespace LoraLego.Bench.Quality.Training;

/// <summary>
/// Mini-batch Adam on softmax cross-entropy, either of the base network's weights (no deltas) or of
/// the LoRA factors with the base frozen. Deterministic: one thread, seeded shuffles.
/// </summary>
internal static class MiniBatchTrainer
{
    /// <summary>Trains the base network in place.</summary>
    public static void TrainBase(Network net, Dataset data, int epochs, int batch, double lr, int seed)
    {
        var grads = new LayerGradients(Like(net.Weights), Like(net.Biases));
        var parameters = Concat(net.Weights, net.Biases);
        var adam = new Adam(parameters, lr);
        var gradList = Concat(grads.First, grads.Second);
        Run(net, data, epochs, batch, seed, null, grads, null, () => adam.Step(gradList));
    }

    /// <summary>Trains the deltas' A and BT in place (their Scale is fixed: α/r).</summary>
    public static void TrainLora(Network net, Dataset data, UnitBlock[] lora, int epochs, int batch, double lr, int seed)
    {
        var a = Array.ConvertAll(lora, u => u.A);
        var bt = Array.ConvertAll(lora, u => u.BT);
        var grads = new LayerGradients(Like(a), Like(bt));
        var adam = new Adam(Concat(a, bt), lr);
        var gradList = Concat(grads.First, grads.Second);
        Run(net, data, epochs, batch, seed, lora, null, grads, () => adam.Step(gradList));
    }

    private static void Run(Network net, Dataset data, int epochs, int batch, int seed, IReadOnlyList<UnitBlock?>? deltas,
        LayerGradients? baseGrads, LayerGradients? deltaGrads, Action step)
    {
        int maxUnits = 1;
        if (deltas is not null) foreach (var d in deltas) maxUnits = Math.Max(maxUnits, d?.Count ?? 0);
        var pass = new ForwardPass(net, batch, maxUnits);
        var rng = new SeededRandom(seed);
        int f = data.Features;
        var bx = new float[batch * f];
        var by = new int[batch];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var order = rng.Permutation(data.Count);
            for (int start = 0; start + batch <= data.Count; start += batch)
            {
                for (int i = 0; i < batch; i++)
                {
                    int s = order[start + i];
                    Array.Copy(data.X, s * f, bx, i * f, f);
                    by[i] = data.Y[s];
                }

                baseGrads?.Clear();
                deltaGrads?.Clear();
                pass.Forward(bx, 0, batch, deltas, 1.0);
                pass.SoftmaxCrossEntropy(by, 0);
                pass.Backward(deltas, 1.0, baseGrads, deltaGrads);
                step();
            }
        }
    }

    private static float[][] Like(float[][] arrays) => Array.ConvertAll(arrays, a => new float[a.Length]);

    private static float[][] Concat(float[][] x, float[][] y)
    {
        var all = new float[x.Length + y.Length][];
        x.CopyTo(all, 0);
        y.CopyTo(all, x.Length);
        return all;
    }
}
