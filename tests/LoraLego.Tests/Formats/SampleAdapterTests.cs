using System;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Bench.Quality.Samples;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.Formats;

/// <summary>
/// The committed samples (samples/adapters, samples/tasks) are what bench/Quality's 'samples' mode
/// promises: three rank-4 PEFT LoRAs trained on three synthetic tasks of a small MLP, each solving its
/// own task where the frozen base network does not, and the files the evaluator scores merges with.
/// </summary>
public class SampleAdapterTests
{
    private static string SamplesRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LoraLego.sln"))) return Path.Combine(dir.FullName, "samples");
        }

        throw new DirectoryNotFoundException("repository root not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Samples_AreThreeRank4PeftAdaptersOnTheMlpsThreeLayers()
    {
        var adapters = new[] { "task-a", "task-b", "task-c" }.Select(n => AdapterLoader.Load(Path.Combine(SamplesRoot(), "adapters", n))).ToList();
        Assert.All(adapters, a =>
        {
            Assert.Equal(AdapterFormat.Peft, a.Format);
            Assert.Equal(("4", 4.0), (a.Rank, a.Alpha));
            Assert.Equal(new[] { ("mlp.fc1", 32, 64), ("mlp.fc2", 64, 64), ("mlp.head", 64, 10) }, a.Modules.Select(m => (m.Name, m.InFeatures, m.OutFeatures)));
        });
        long total = new DirectoryInfo(SamplesRoot()).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        Assert.True(total < 2_000_000, $"samples/ holds {total} bytes");
    }

    [Fact]
    public void SampleTasks_EachOwnLoraSolvesItsTaskWhereTheBaseNetworkFails()
    {
        var root = SamplesRoot();
        var own = new[] { "task-a", "task-b", "task-c" }.Select(n => Path.Combine(root, "adapters", n)).ToList();
        var results = SampleEvaluator.Evaluate(Path.Combine(root, "tasks"), own);
        Assert.Equal(3, results.Count);
        for (int i = 0; i < 3; i++)
        {
            var row = results[i].Tasks[i];
            Assert.Equal(results[i].Adapter, row.Task);
            Assert.Equal(row.Own, row.Merged);
            Assert.Equal(1.0, row.Score);
            Assert.True(row.Own > 0.9 && row.Base < 0.4, $"{row.Task}: base {row.Base:F3}, own {row.Own:F3}");
            Assert.Equal(IndependentAccuracy(root, row.Task), row.Own, 3);

            // A task's LoRA does not solve the other tasks: merging is needed to serve all three.
            for (int j = 0; j < 3; j++) if (j != i) Assert.True(results[i].Tasks[j].Merged < 0.5, $"{results[i].Adapter} on {results[i].Tasks[j].Task}");
        }
    }

    /// <summary>
    /// Held-out accuracy of base + own LoRA computed here in double from the raw safetensors (base
    /// weights, lora_A, lora_B, scale lora_alpha / r from the config), not through the benchmark's code.
    /// </summary>
    private static double IndependentAccuracy(string root, string task)
    {
        var baseFile = SafeTensorFile.Open(Path.Combine(root, "tasks", "base.safetensors"));
        var test = SafeTensorFile.Open(Path.Combine(root, "tasks", task + ".test.safetensors"));
        var lora = SafeTensorFile.Open(Path.Combine(root, "adapters", task, "adapter_model.safetensors"));
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "adapters", task, "adapter_config.json")));
        double scale = config.RootElement.GetProperty("lora_alpha").GetDouble() / config.RootElement.GetProperty("r").GetDouble();
        var layers = new[] { "mlp.fc1", "mlp.fc2", "mlp.head" };
        var W = layers.Select(m => baseFile.ReadFloat32(m + ".weight")).ToArray();
        var bias = layers.Select(m => baseFile.ReadFloat32(m + ".bias")).ToArray();
        var A = layers.Select(m => lora.ReadFloat32($"base_model.model.{m}.lora_A.weight")).ToArray();
        var B = layers.Select(m => lora.ReadFloat32($"base_model.model.{m}.lora_B.weight")).ToArray();
        var x = test.ReadFloat32("x");
        var yRaw = test.ReadRaw(test.GetTensor("y"));
        int n = (int)test.GetTensor("y").Shape[0], correct = 0;
        for (int s = 0; s < n; s++)
        {
            double[] h = x.Skip(s * 32).Take(32).Select(v => (double)v).ToArray();
            for (int l = 0; l < layers.Length; l++)
            {
                int dout = bias[l].Length, din = h.Length, r = A[l].Length / din;
                var ax = new double[r];
                for (int k = 0; k < r; k++) for (int i = 0; i < din; i++) ax[k] += A[l][k * din + i] * h[i];
                var z = new double[dout];
                for (int o = 0; o < dout; o++)
                {
                    z[o] = bias[l][o];
                    for (int i = 0; i < din; i++) z[o] += W[l][o * din + i] * h[i];
                    for (int k = 0; k < r; k++) z[o] += scale * B[l][o * r + k] * ax[k];
                }

                h = l + 1 < layers.Length ? z.Select(v => Math.Max(0, v)).ToArray() : z;
            }

            int predicted = Array.IndexOf(h, h.Max());
            if (predicted == BitConverter.ToInt32(yRaw, s * 4)) correct++;
        }

        return (double)correct / n;
    }
}
