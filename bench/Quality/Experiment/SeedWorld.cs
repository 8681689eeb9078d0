using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using LoraLego.Bench.Quality.Data;
using LoraLego.Bench.Quality.Model;
using LoraLego.Bench.Quality.Numerics;
using LoraLego.Bench.Quality.Training;
using LoraLego.Units;

namespace LoraLego.Bench.Quality;

/// <summary>
/// Everything one seed fixes: the base network (trained on the generic task), the specialised tasks,
/// and one LoRA per task trained with the base frozen, with their single-adapter accuracies.
/// </summary>
internal sealed class SeedWorld
{
    private SeedWorld(int seed, Network baseNet, TaskData[] tasks, UnitBlock?[][] loras, double genericAccuracy,
        double[] baseAccuracy, double[] singleTest, double[] singleValidation)
    {
        Seed = seed;
        Base = baseNet;
        Tasks = tasks;
        Loras = loras;
        GenericAccuracy = genericAccuracy;
        BaseAccuracy = baseAccuracy;
        SingleTestAccuracy = singleTest;
        SingleValidationAccuracy = singleValidation;
    }

    public int Seed { get; }

    public Network Base { get; }

    public TaskData[] Tasks { get; }

    /// <summary>Loras[t][layer]: task t's LoRA as one unit block per layer (null where the layer has none).</summary>
    public UnitBlock?[][] Loras { get; }

    public double GenericAccuracy { get; }

    public double[] BaseAccuracy { get; }

    public double[] SingleTestAccuracy { get; }

    public double[] SingleValidationAccuracy { get; }

    /// <summary>‖ΔW‖_F of each task's LoRA over all its layers (how unequal the inputs of a merge are).</summary>
    public double[] LoraNorms => Loras.Select(l => Math.Sqrt(l.Where(b => b is not null).Sum(b => Frobenius2(UnitBlocks.Dense(b!))))).ToArray();

    private static double Frobenius2(double[,] m)
    {
        double s = 0;
        foreach (double v in m) s += v * v;
        return s;
    }

    /// <summary>
    /// Trains everything for one seed. With <paramref name="adapterRoot"/>, each LoRA is written as a PEFT
    /// adapter (seed{s}/task{t}) through the project's writer and the merges use what the reader loads back.
    /// </summary>
    public static SeedWorld Build(QualityConfig config, int seed, int taskCount, Action<string>? log = null, string? adapterRoot = null)
    {
        var generator = new TaskGenerator(config);
        var generic = generator.Generic(seed);
        var net = Network.Create(config.Dims, new SeededRandom(seed * 31 + 1));
        MiniBatchTrainer.TrainBase(net, generic.Train, config.BaseEpochs, config.Batch, config.BaseLearningRate, seed * 31 + 2);
        double genericAcc = Evaluation.Accuracy(net, generic.Test, null);
        log?.Invoke($"seed {seed}: base network generic-task accuracy {genericAcc:F3}");

        var tasks = new TaskData[taskCount];
        var loras = new UnitBlock?[taskCount][];
        var baseAcc = new double[taskCount];
        var singleTest = new double[taskCount];
        var singleVal = new double[taskCount];
        for (int t = 0; t < taskCount; t++)
        {
            tasks[t] = generator.Specialised(seed, t);
            var lora = NewLora(config, net, config.AlphaOf(t), new SeededRandom(seed * 1009 + t * 17 + 3));
            MiniBatchTrainer.TrainLora(net, tasks[t].Train, lora, config.LoraEpochs, config.Batch, config.LoraLearningRate, seed * 1009 + t * 17 + 4);
            loras[t] = lora.Select(u => (UnitBlock?)u).ToArray();
            if (adapterRoot is not null)
            {
                var provenance = new Dictionary<string, string> { ["bench"] = "quality", ["seed"] = seed.ToString(CultureInfo.InvariantCulture), ["task"] = tasks[t].Name };
                loras[t] = AdapterFiles.RoundTrip(net, loras[t], Path.Combine(adapterRoot, $"seed{seed}", tasks[t].Name), provenance);
            }

            baseAcc[t] = Evaluation.Accuracy(net, tasks[t].Test, null);
            singleTest[t] = Evaluation.Accuracy(net, tasks[t].Test, loras[t]);
            singleVal[t] = Evaluation.Accuracy(net, tasks[t].Validation, loras[t]);
            log?.Invoke($"seed {seed} task {t}: base {baseAcc[t]:F3}, own LoRA {singleTest[t]:F3} (train {Evaluation.Accuracy(net, tasks[t].Train, loras[t]):F3})");
        }

        return new SeedWorld(seed, net, tasks, loras, genericAcc, baseAcc, singleTest, singleVal);
    }

    /// <summary>PEFT's initialisation: A kaiming-uniform (bound 1/√in), B zero, scale α/r.</summary>
    private static UnitBlock[] NewLora(QualityConfig config, Network net, double alpha, SeededRandom rng)
    {
        int layers = config.LoraOnOutputLayer ? net.Layers : net.Layers - 1;
        var blocks = new UnitBlock[net.Layers];
        int r = config.Rank;
        for (int l = 0; l < net.Layers; l++)
        {
            int din = net.InFeatures(l), dout = net.OutFeatures(l);
            bool trained = l < layers;
            var a = trained ? rng.UniformArray(r * din, 1.0 / Math.Sqrt(din)) : new float[0];
            var scale = Enumerable.Repeat(alpha / r, trained ? r : 0).ToArray();
            blocks[l] = new UnitBlock(din, dout, a, new float[scale.Length * dout], scale);
        }

        return blocks;
    }
}
