using System;
using System.Collections.Generic;
using LoraLego.Bench.Quality.Data;
using LoraLego.Bench.Quality.Model;
using LoraLego.Units;

namespace LoraLego.Bench.Quality.Training;

/// <summary>Accuracy of the base network, optionally with one delta per layer.</summary>
internal static class Evaluation
{
    private const int Chunk = 256;

    public static double Accuracy(Network net, Dataset data, IReadOnlyList<UnitBlock?>? deltas, double outputScale = 1.0)
    {
        int maxUnits = 1;
        if (deltas is not null) foreach (var d in deltas) maxUnits = Math.Max(maxUnits, d?.Count ?? 0);
        var pass = new ForwardPass(net, Chunk, maxUnits);
        var predicted = new int[Chunk];
        int correct = 0;
        for (int start = 0; start < data.Count; start += Chunk)
        {
            int n = Math.Min(Chunk, data.Count - start);
            pass.Forward(data.X, start, n, deltas, outputScale);
            pass.ArgMax(predicted);
            for (int i = 0; i < n; i++) if (predicted[i] == data.Y[start + i]) correct++;
        }

        return (double)correct / data.Count;
    }
}
