using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.SafeTensors;

namespace LoraLego.Fuzzing;

/// <summary>
/// The valid adapters mutations start from: the sample adapters, the real fixtures when present
/// (read, never copied into the repo), and the first sample re-written by the engine as kohya F16,
/// PEFT BF16 and diffusers, so every reader and every float decoder gets fuzzed.
/// </summary>
public static class SeedCatalog
{
    /// <summary>Walks up from <paramref name="start"/> to the folder holding LoraLego.sln.</summary>
    public static string FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LoraLego.sln"))) return dir.FullName;
        }

        throw new DirectoryNotFoundException($"No LoraLego.sln above {start}.");
    }

    /// <param name="includeReal">Real fixtures are 1–3 MB each: the long campaign uses them, the unit-test subset need not.</param>
    public static IReadOnlyList<FuzzSeed> Load(string repoRoot, string scratch, bool includeReal)
    {
        var seeds = new List<FuzzSeed>();
        var samples = Path.Combine(repoRoot, "samples", "adapters");
        foreach (var folder in Directory.GetDirectories(samples).OrderBy(f => f, StringComparer.Ordinal))
        {
            seeds.Add(FuzzSeed.FromDisk("sample/" + Path.GetFileName(folder), folder));
        }

        if (seeds.Count == 0) throw new InvalidOperationException($"No sample adapters in {samples}.");
        seeds.AddRange(Synthesize(Path.Combine(samples, Path.GetFileName(seeds[0].Name.Substring("sample/".Length))), scratch));

        var real = Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "fixtures", "real"));
        if (includeReal && Directory.Exists(real))
        {
            foreach (var config in Directory.GetFiles(real, FuzzSeed.ConfigFile, SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                var folder = Path.GetDirectoryName(config)!;
                seeds.Add(FuzzSeed.FromDisk("real/" + Path.GetRelativePath(real, folder).Replace('\\', '/'), folder));
            }
        }

        return seeds;
    }

    /// <summary>True when ../shared/fixtures/real exists beside the repository.</summary>
    public static bool HasRealFixtures(string repoRoot) => Directory.Exists(Path.Combine(repoRoot, "..", "shared", "fixtures", "real"));

    private static IEnumerable<FuzzSeed> Synthesize(string sampleFolder, string scratch)
    {
        var adapter = AdapterLoader.Load(sampleFolder);
        var modules = adapter.Modules.Select(m => OutputModule.Like(m, m.Rank)).ToList();
        var byName = adapter.Modules.ToDictionary(m => m.Name, StringComparer.Ordinal);

        string Write(string name, AdapterFormat format, SafeTensorDType dtype)
        {
            var target = Path.Combine(scratch, "seed-" + name + (format == AdapterFormat.Kohya ? ".safetensors" : string.Empty));
            var options = new AdapterWriteOptions { Format = format, DType = dtype, Sources = new[] { adapter }, Overwrite = true };
            return AdapterWriter.Write(target, modules, (m, _) => byName[m.Name].ReadUnits(), options);
        }

        // kohya is for diffusion pipelines: the SD 1.5 kohya sample, converted to F16.
        var sd = AdapterLoader.Load(Path.Combine(sampleFolder, "..", "..", "sd15", "watercolor-kohya.safetensors"));
        yield return FuzzSeed.FromDisk("synthetic/kohya-f16", AdapterConverter.Convert(sd, Path.Combine(scratch, "seed-kohya-f16.safetensors"),
            new AdapterWriteOptions { Format = AdapterFormat.Kohya, DType = SafeTensorDType.F16, Overwrite = true }));
        yield return FuzzSeed.FromDisk("synthetic/peft-bf16", Write("peft-bf16", AdapterFormat.Peft, SafeTensorDType.BF16));

        // diffusers: the PEFT keys renamed to the "unet.<module>.lora.down/up.weight" style, data unchanged.
        var peft = FuzzSeed.FromDisk("peft", Write("peft-f32", AdapterFormat.Peft, SafeTensorDType.F32));
        var parts = SafeTensorBytes.Split(peft.Files[peft.TensorFile]);
        var header = parts.HeaderJson();
        var renamed = new JsonObject();
        foreach (var (key, value) in header.ToList())
        {
            header.Remove(key);
            var name = key.Replace("base_model.model.", "unet.", StringComparison.Ordinal)
                .Replace(".lora_A.weight", ".lora.down.weight", StringComparison.Ordinal)
                .Replace(".lora_B.weight", ".lora.up.weight", StringComparison.Ordinal);
            renamed[name] = value;
        }

        yield return new FuzzSeed("synthetic/diffusers", new Dictionary<string, byte[]>
        {
            ["pytorch_lora_weights.safetensors"] = SafeTensorBytes.Join(Encoding.UTF8.GetBytes(renamed.ToJsonString()), parts.Data),
        }, "pytorch_lora_weights.safetensors");
    }
}
