using System;
using System.Collections.Generic;
using LoraLego.Bench.LanguageModel.Model;
using static TorchSharp.torch;

namespace LoraLego.Bench.LanguageModel.Training;

/// <summary>Mean next-byte loss (nats/byte) over fixed windows, in batches, without gradients.</summary>
internal static class Evaluation
{
    public static double Loss(TinyTransformer model, byte[] region, IReadOnlyList<int> offsets, Func<string, Tensor, Tensor>? weightOf, int batch = 32)
    {
        using var noGrad = no_grad();
        double sum = 0;
        for (int i = 0; i < offsets.Count; i += batch)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(batch, offsets.Count - i);
            var slice = new int[n];
            for (int j = 0; j < n; j++) slice[j] = offsets[i + j];
            var tokens = Windows.Batch(region, slice, model.Config.Context);
            sum += model.Loss(tokens, weightOf).item<float>() * n;
        }

        return sum / offsets.Count;
    }
}
