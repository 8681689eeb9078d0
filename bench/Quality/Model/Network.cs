using System;
using LoraLego.Bench.Quality.Numerics;

namespace LoraLego.Bench.Quality.Model;

/// <summary>
/// A plain MLP (Linear → ReLU → … → Linear), weights row-major out×in as in PyTorch's nn.Linear,
/// so a LoRA delta on layer l is ΔW (out×in) exactly as a PEFT adapter stores it.
/// </summary>
internal sealed class Network
{
    public Network(int[] dims, float[][] weights, float[][] biases)
    {
        Dims = dims;
        Weights = weights;
        Biases = biases;
    }

    /// <summary>Layer widths, input first: layer l maps Dims[l] → Dims[l+1].</summary>
    public int[] Dims { get; }

    public float[][] Weights { get; }

    public float[][] Biases { get; }

    public int Layers => Weights.Length;

    public int InFeatures(int layer) => Dims[layer];

    public int OutFeatures(int layer) => Dims[layer + 1];

    /// <summary>He-uniform weights, zero biases.</summary>
    public static Network Create(int[] dims, SeededRandom rng)
    {
        int layers = dims.Length - 1;
        var w = new float[layers][];
        var b = new float[layers][];
        for (int l = 0; l < layers; l++)
        {
            w[l] = rng.UniformArray(dims[l + 1] * dims[l], Math.Sqrt(6.0 / dims[l]));
            b[l] = new float[dims[l + 1]];
        }

        return new Network(dims, w, b);
    }

    /// <summary>The PEFT-style module name of layer l (the module key in adapter files): mlp.fc1, mlp.fc2, …, mlp.head.</summary>
    public string ModuleName(int layer) => layer == Layers - 1 ? "mlp.head" : $"mlp.fc{layer + 1}";
}
