using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using LoraLego.SafeTensors;

namespace LoraLego.Bench.ReadThroughput;

/// <summary>
/// Writes Llama-2-7B-shaped PEFT LoRA adapters (r = 16, all seven projections, 32 layers, BF16)
/// with the project's own writer. Values come from a fixed-seed generator, so the set is the
/// same on every machine and every run.
/// </summary>
internal static class SyntheticAdapters
{
    public const int AdapterCount = 8;
    private const int Rank = 16;
    private const int Layers = 32;
    private const int Hidden = 4096;
    private const int Intermediate = 11008;

    private static readonly string[] AttentionModules = { "q_proj", "k_proj", "v_proj", "o_proj" };

    public static void Generate(string root)
    {
        Directory.CreateDirectory(root);
        for (int adapter = 0; adapter < AdapterCount; adapter++)
        {
            string folder = Path.Combine(root, "adapter_" + adapter);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "adapter_config.json"), ConfigJson(), new UTF8Encoding(false));
            string file = Path.Combine(folder, "adapter_model.safetensors");
            WriteWeights(file, seed: 1000 + adapter);
            Console.WriteLine($"wrote {file} ({new FileInfo(file).Length / 1e6:F1} MB)");
        }
    }

    /// <summary>(key, shape) of every tensor in the order they are laid out.</summary>
    public static IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        for (int layer = 0; layer < Layers; layer++)
        {
            string prefix = $"base_model.model.model.layers.{layer}.";
            foreach (string module in AttentionModules)
            {
                yield return ($"{prefix}self_attn.{module}.lora_A.weight", new long[] { Rank, Hidden });
                yield return ($"{prefix}self_attn.{module}.lora_B.weight", new long[] { Hidden, Rank });
            }

            foreach (string module in new[] { "gate_proj", "up_proj" })
            {
                yield return ($"{prefix}mlp.{module}.lora_A.weight", new long[] { Rank, Hidden });
                yield return ($"{prefix}mlp.{module}.lora_B.weight", new long[] { Intermediate, Rank });
            }

            yield return ($"{prefix}mlp.down_proj.lora_A.weight", new long[] { Rank, Intermediate });
            yield return ($"{prefix}mlp.down_proj.lora_B.weight", new long[] { Hidden, Rank });
        }
    }

    private static void WriteWeights(string path, int seed)
    {
        var specs = new List<TensorSpec>();
        foreach ((string name, long[] shape) in Tensors())
        {
            specs.Add(new TensorSpec(name, SafeTensorDType.BF16, shape));
        }

        var random = new Random(seed);
        var values = new float[Intermediate * Rank];
        using var writer = new SafeTensorWriter(path, specs, new Dictionary<string, string> { ["format"] = "pt" }, overwrite: true);
        foreach (TensorSpec spec in specs)
        {
            int count = (int)(spec.Shape[0] * spec.Shape[1]);
            // Kaiming-like scale for A (fan-in = columns); B small but non-zero so merges have work to do.
            double scale = spec.Name.Contains("lora_A") ? 1.0 / Math.Sqrt(spec.Shape[1]) : 0.01;
            for (int i = 0; i < count; i++)
            {
                values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
            }

            writer.WriteTensor(spec.Name, values.AsSpan(0, count));
        }

        writer.Commit();
    }

    private static string ConfigJson() =>
        "{\n" +
        "  \"peft_type\": \"LORA\",\n" +
        "  \"r\": 16,\n" +
        "  \"lora_alpha\": 32,\n" +
        "  \"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\", \"gate_proj\", \"up_proj\", \"down_proj\"],\n" +
        "  \"base_model_name_or_path\": \"meta-llama/Llama-2-7b-hf\",\n" +
        "  \"task_type\": \"CAUSAL_LM\",\n" +
        "  \"lora_dropout\": 0.0,\n" +
        "  \"bias\": \"none\"\n" +
        "}\n";
}
