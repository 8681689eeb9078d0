using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using LoraLego.SafeTensors;

namespace LoraLego.SampleGen;

/// <summary>
/// Three PEFT adapters for a tiny 4-layer model (q_proj and v_proj, 64×64), written byte-identically
/// on every run. They share structure on purpose, so merging them shows something:
/// beta reuses alpha's first two units (slightly perturbed), gamma reuses the last two of each.
/// </summary>
internal static class Program
{
    private const int Width = 64;
    private const int Layers = 4;
    private static readonly string[] Targets = { "q_proj", "v_proj" };

    private static int Main(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: SampleGen <samples folder>");
            return 2;
        }

        var root = Path.Combine(Path.GetFullPath(args[0]), "adapters");
        Directory.CreateDirectory(root);
        foreach (var (name, rank, alpha) in new[] { ("alpha", 4, 8), ("beta", 4, 16), ("gamma", 8, 8) })
        {
            var folder = Path.Combine(root, name);
            Directory.CreateDirectory(folder);
            WriteTensors(Path.Combine(folder, "adapter_model.safetensors"), name, rank);
            File.WriteAllText(Path.Combine(folder, "adapter_config.json"), Config(rank, alpha), new UTF8Encoding(false));
            Console.WriteLine($"{folder}: rank {rank}, lora_alpha {alpha}");
        }

        return 0;
    }

    private static IEnumerable<string> Modules() =>
        Enumerable.Range(0, Layers).SelectMany(l => Targets.Select(t => $"model.layers.{l}.self_attn.{t}"));

    private static void WriteTensors(string path, string adapter, int rank)
    {
        // PEFT (through safetensors' Python API) stores keys sorted; so do we.
        var tensors = new SortedDictionary<string, float[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, long[]>();
        int moduleIndex = 0;
        foreach (var module in Modules())
        {
            var (a, b) = Factors(adapter, rank, (ulong)moduleIndex++);
            var key = "base_model.model." + module;
            tensors[key + ".lora_A.weight"] = a;
            shapes[key + ".lora_A.weight"] = new long[] { rank, Width };
            tensors[key + ".lora_B.weight"] = b;
            shapes[key + ".lora_B.weight"] = new long[] { Width, rank };
        }

        if (File.Exists(path)) File.Delete(path);
        var specs = tensors.Keys.Select(k => new TensorSpec(k, SafeTensorDType.F32, shapes[k])).ToList();
        using var writer = new SafeTensorWriter(path, specs, new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var kv in tensors) writer.WriteTensor(kv.Key, kv.Value);
        writer.Commit();
    }

    /// <summary>A [rank, 64] and B [64, rank] of one module; units are drawn per (family, unit) so adapters can share them.</summary>
    private static (float[] A, float[] B) Factors(string adapter, int rank, ulong module)
    {
        var a = new float[rank * Width];
        var b = new float[Width * rank];
        for (int i = 0; i < rank; i++)
        {
            var (family, unit, noiseSeed) = UnitSource(adapter, i);
            var shared = new SampleRandom((module * 1000) + (family * 100) + unit);
            var unitA = shared.Vector(Width, 0.125f);
            var unitB = shared.Vector(Width, 0.05f);
            if (noiseSeed != 0)
            {
                var noise = new SampleRandom((module * 1000) + noiseSeed);
                for (int k = 0; k < Width; k++)
                {
                    unitA[k] += noise.Uniform(0.0125f);
                    unitB[k] += noise.Uniform(0.005f);
                }
            }

            Array.Copy(unitA, 0, a, i * Width, Width);
            for (int o = 0; o < Width; o++) b[(o * rank) + i] = unitB[o];
        }

        return (a, b);
    }

    /// <summary>Which shared unit (family, index) unit i of an adapter is, and whether it is perturbed.</summary>
    private static (ulong Family, ulong Unit, ulong NoiseSeed) UnitSource(string adapter, int i) => adapter switch
    {
        "alpha" => (1UL, (ulong)i, 0UL),
        "beta" => i < 2 ? (1UL, (ulong)i, 500 + (ulong)i) : (2, (ulong)i, 0),
        _ => i < 4 ? (3UL, (ulong)i, 0UL) : i < 6 ? (1UL, (ulong)i - 2, 600 + (ulong)i) : (2, (ulong)i - 4, 700 + (ulong)i),
    };

    /// <summary>adapter_config.json as PEFT writes it: sorted keys, two-space indent.</summary>
    private static string Config(int rank, int alpha) => string.Format(CultureInfo.InvariantCulture, @"{{
  ""alpha_pattern"": {{}},
  ""base_model_name_or_path"": ""loralego/tiny-4layer"",
  ""bias"": ""none"",
  ""fan_in_fan_out"": false,
  ""inference_mode"": true,
  ""init_lora_weights"": true,
  ""layers_pattern"": null,
  ""layers_to_transform"": null,
  ""lora_alpha"": {1},
  ""lora_dropout"": 0.05,
  ""modules_to_save"": null,
  ""peft_type"": ""LORA"",
  ""r"": {0},
  ""rank_pattern"": {{}},
  ""revision"": null,
  ""target_modules"": [
    ""q_proj"",
    ""v_proj""
  ],
  ""task_type"": ""CAUSAL_LM"",
  ""use_dora"": false,
  ""use_rslora"": false
}}
", rank, alpha).Replace("\r\n", "\n");
}
