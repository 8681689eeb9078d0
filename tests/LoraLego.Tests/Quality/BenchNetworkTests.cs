using System;
using System.Linq;
using LoraLego.Bench.Quality.Model;
using LoraLego.Bench.Quality.Numerics;
using LoraLego.Units;
using Xunit;

namespace LoraLego.Tests.Quality;

/// <summary>The quality benchmark's own network code: a delta must act exactly as W + ΔW, and backprop must be the true gradient.</summary>
public class BenchNetworkTests
{
    private static readonly int[] Dims = { 5, 7, 6, 4 };

    private static UnitBlock?[] RandomDeltas(Network net, SeededRandom rng, int rank) =>
        Enumerable.Range(0, net.Layers).Select(l => (UnitBlock?)new UnitBlock(
            net.InFeatures(l), net.OutFeatures(l),
            rng.GaussianArray(rank * net.InFeatures(l), 0.5),
            rng.GaussianArray(rank * net.OutFeatures(l), 0.5),
            Enumerable.Range(0, rank).Select(i => 0.5 + i).ToArray())).ToArray();

    [Fact]
    public void DeltaActsAsDenseWeightUpdate()
    {
        var rng = new SeededRandom(42);
        var net = Network.Create(Dims, rng);
        var deltas = RandomDeltas(net, rng, 3);
        const double outputScale = 0.75;
        var x = rng.GaussianArray(9 * Dims[0], 1.0);

        // Independent path: fold ΔW into the weights in double, run the plain network.
        var folded = new float[net.Layers][];
        for (int l = 0; l < net.Layers; l++)
        {
            var dense = UnitBlocks.Dense(deltas[l]!);
            folded[l] = new float[net.Weights[l].Length];
            for (int o = 0; o < net.OutFeatures(l); o++)
                for (int i = 0; i < net.InFeatures(l); i++)
                    folded[l][(o * net.InFeatures(l)) + i] = (float)(net.Weights[l][(o * net.InFeatures(l)) + i] + (outputScale * dense[o, i]));
        }

        var plain = new Network(Dims, folded, net.Biases);
        var expected = (float[])new ForwardPass(plain, 9, 1).Forward(x, 0, 9, null, 1.0).Clone();
        var actual = new ForwardPass(net, 9, 3).Forward(x, 0, 9, deltas, outputScale);
        for (int i = 0; i < 9 * Dims[^1]; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
    }

    [Fact]
    public void LoraGradientsMatchFiniteDifferences()
    {
        var rng = new SeededRandom(7);
        var net = Network.Create(Dims, rng);
        var deltas = RandomDeltas(net, rng, 2);
        var x = rng.GaussianArray(6 * Dims[0], 1.0);
        var y = new[] { 0, 1, 2, 3, 1, 2 };
        var pass = new ForwardPass(net, 6, 2);

        double Loss()
        {
            pass.Forward(x, 0, 6, deltas, 1.0);
            return pass.SoftmaxCrossEntropy(y, 0);
        }

        var grads = new LayerGradients(deltas.Select(d => new float[d!.A.Length]).ToArray(), deltas.Select(d => new float[d!.BT.Length]).ToArray());
        Loss();
        pass.Backward(deltas, 1.0, null, grads);

        const float eps = 1e-2f;
        for (int l = 0; l < net.Layers; l++)
        {
            foreach (var (param, grad) in new[] { (deltas[l]!.A, grads.First[l]), (deltas[l]!.BT, grads.Second[l]) })
            {
                for (int i = 0; i < param.Length; i += 3)
                {
                    float keep = param[i];
                    param[i] = keep + eps;
                    double up = Loss();
                    param[i] = keep - eps;
                    double down = Loss();
                    param[i] = keep;
                    double numeric = (up - down) / (2 * eps);
                    Assert.True(Math.Abs(numeric - grad[i]) < 2e-3 + (2e-2 * Math.Abs(numeric)), $"layer {l} entry {i}: backprop {grad[i]}, finite difference {numeric}");
                }
            }
        }
    }
}
