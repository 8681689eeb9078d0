using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using LoraLego.Bench.Quality.Data;
using LoraLego.Bench.Quality.Model;
using LoraLego.SafeTensors;

namespace LoraLego.Bench.Quality.Samples;

/// <summary>
/// The module's sample set (samples/ in the repository): a few LoRAs trained by the quality benchmark,
/// written as PEFT adapters, plus what the evaluator needs to score a merge of them — the frozen base
/// network (tasks/base.safetensors) and each task's held-out test split (tasks/{name}.test.safetensors,
/// inputs F32 [n, in], labels I32 [n], metadata naming the task's own adapter).
/// Everything is single-threaded and seeded, so the files come out byte-identical on every run.
/// </summary>
internal static class SampleSet
{
    /// <summary>One seed of the full benchmark configuration; its first tasks, named for the demo.</summary>
    public const int Seed = 1;
    public static readonly string[] TaskNames = { "task-a", "task-b", "task-c" };

    private const string DimsKey = "loralego.sample.dims";
    private const string AdapterKey = "loralego.sample.adapter";
    private const string TaskKey = "loralego.sample.task";

    public static void Write(string root, Action<string> log)
    {
        var config = QualityConfig.Full;
        var world = SeedWorld.Build(config, Seed, TaskNames.Length, log);
        string adapters = Path.Combine(root, "adapters"), tasks = Path.Combine(root, "tasks");
        Directory.CreateDirectory(adapters);
        Directory.CreateDirectory(tasks);
        WriteBase(Path.Combine(tasks, "base.safetensors"), world.Base);
        for (int t = 0; t < TaskNames.Length; t++)
        {
            string name = TaskNames[t];
            var provenance = new Dictionary<string, string>
            {
                ["bench"] = "quality",
                ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
                ["task"] = world.Tasks[t].Name,
            };
            AdapterFiles.Write(world.Base, world.Loras[t], Path.Combine(adapters, name), provenance);
            WriteTest(Path.Combine(tasks, name + ".test.safetensors"), name, world.Tasks[t].Test);
            log($"{name}: base network {world.BaseAccuracy[t]:F3}, own LoRA {world.SingleTestAccuracy[t]:F3} on {world.Tasks[t].Test.Count} held-out samples");
        }
    }

    /// <summary>Loads the base network and every task's test split from a tasks folder written by <see cref="Write"/>.</summary>
    public static (Network Base, IReadOnlyList<SampleTask> Tasks) Load(string tasksFolder)
    {
        var net = ReadBase(Path.Combine(tasksFolder, "base.safetensors"));
        var tasks = Directory.GetFiles(tasksFolder, "*.test.safetensors").OrderBy(p => p, StringComparer.Ordinal).Select(p => ReadTest(p, net)).ToList();
        if (tasks.Count == 0) throw new FileNotFoundException($"{tasksFolder}: no *.test.safetensors task files.");
        return (net, tasks);
    }

    private static void WriteBase(string path, Network net)
    {
        var specs = new List<TensorSpec>();
        for (int l = 0; l < net.Layers; l++)
        {
            specs.Add(new TensorSpec(net.ModuleName(l) + ".bias", SafeTensorDType.F32, new long[] { net.OutFeatures(l) }));
            specs.Add(new TensorSpec(net.ModuleName(l) + ".weight", SafeTensorDType.F32, new long[] { net.OutFeatures(l), net.InFeatures(l) }));
        }

        var metadata = new Dictionary<string, string> { ["format"] = "pt", [DimsKey] = string.Join(",", net.Dims) };
        using var writer = new SafeTensorWriter(path, specs, metadata, overwrite: true);
        for (int l = 0; l < net.Layers; l++)
        {
            writer.WriteTensor(net.ModuleName(l) + ".bias", net.Biases[l]);
            writer.WriteTensor(net.ModuleName(l) + ".weight", net.Weights[l]);
        }

        writer.Commit();
    }

    private static Network ReadBase(string path)
    {
        var file = SafeTensorFile.Open(path);
        if (!file.Metadata.TryGetValue(DimsKey, out var dimsText)) throw new InvalidDataException($"{path}: no '{DimsKey}' metadata; not a sample base network.");
        var dims = dimsText.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var shell = new Network(dims, new float[dims.Length - 1][], new float[dims.Length - 1][]);
        for (int l = 0; l < shell.Layers; l++)
        {
            shell.Weights[l] = ReadShaped(file, shell.ModuleName(l) + ".weight", shell.OutFeatures(l), shell.InFeatures(l));
            shell.Biases[l] = ReadShaped(file, shell.ModuleName(l) + ".bias", shell.OutFeatures(l));
        }

        return shell;
    }

    private static void WriteTest(string path, string name, Dataset data)
    {
        var specs = new List<TensorSpec>
        {
            new("x", SafeTensorDType.F32, new long[] { data.Count, data.Features }),
            new("y", SafeTensorDType.I32, new long[] { data.Count }),
        };
        var metadata = new Dictionary<string, string> { ["format"] = "pt", [AdapterKey] = "../adapters/" + name, [TaskKey] = name };
        var labels = new byte[data.Count * 4];
        for (int i = 0; i < data.Count; i++) BinaryPrimitives.WriteInt32LittleEndian(labels.AsSpan(i * 4), data.Y[i]);
        using var writer = new SafeTensorWriter(path, specs, metadata, overwrite: true);
        writer.WriteTensor("x", data.X);
        writer.WriteTensorRaw("y", labels);
        writer.Commit();
    }

    private static SampleTask ReadTest(string path, Network net)
    {
        var file = SafeTensorFile.Open(path);
        string Meta(string key) => file.Metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{path}: no '{key}' metadata; not a sample task file.");
        var y = file.GetTensor("y");
        if (y.DType != SafeTensorDType.I32 || y.Shape.Count != 1) throw new InvalidDataException($"{path}: 'y' must be I32 [n], found {y}.");
        int n = (int)y.Shape[0];
        var raw = file.ReadRaw(y);
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(i * 4));
            if (labels[i] < 0 || labels[i] >= net.Dims[^1]) throw new InvalidDataException($"{path}: label {labels[i]} at {i} is outside 0..{net.Dims[^1] - 1}.");
        }

        var x = ReadShaped(file, "x", n, net.Dims[0]);
        string adapter = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, Meta(AdapterKey)));
        return new SampleTask(Meta(TaskKey), new Dataset(x, labels, net.Dims[0]), adapter);
    }

    private static float[] ReadShaped(SafeTensorFile file, string name, params long[] shape)
    {
        var info = file.GetTensor(name);
        if (!info.Shape.SequenceEqual(shape)) throw new InvalidDataException($"{file.Path}: '{name}' is [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", shape)}].");
        return file.ReadFloat32(name);
    }
}

/// <summary>One sample task: its held-out test split and the folder of its own LoRA.</summary>
internal sealed record SampleTask(string Name, Dataset Test, string OwnAdapter);
