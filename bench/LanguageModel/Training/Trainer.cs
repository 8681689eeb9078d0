using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using LoraLego.Bench.LanguageModel.Corpora;
using LoraLego.Bench.LanguageModel.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraLego.Bench.LanguageModel.Training;

/// <summary>Training schedule: fixed step count, batch of windows, AdamW with warm-up then cosine decay to 10 %.</summary>
internal sealed record TrainSchedule(int Steps, int Batch, double LearningRate, int WarmupSteps, double WeightDecay);

/// <summary>What a training run did: first and last smoothed loss, tokens per second, wall time.</summary>
internal sealed record TrainReport(double FirstLoss, double LastLoss, double TokensPerSecond, double Seconds);

/// <summary>
/// Fixed-step training of either the whole model (base: batches drawn evenly from every domain) or one
/// LoRA (one domain, base frozen). Each batch's windows are drawn from the domain's train region by a
/// seeded generator, so a run is reproducible step for step.
/// </summary>
internal static class Trainer
{
    public static TrainReport TrainBase(TinyTransformer model, IReadOnlyList<CorpusSplit> corpora, TrainSchedule s, int seed, Action<string> log) =>
        Run(model.Parameters.ToList(), corpora, model.Config.Context, s, seed, batch => model.Loss(batch), log);

    public static TrainReport TrainLora(TinyTransformer model, TrainableLora lora, CorpusSplit corpus, TrainSchedule s, int seed, Action<string> log) =>
        Run(lora.Parameters.ToList(), new[] { corpus }, model.Config.Context, s, seed, batch => model.Loss(batch, lora.WeightOf), log);

    private static TrainReport Run(List<Parameter> parameters, IReadOnlyList<CorpusSplit> corpora, int context, TrainSchedule s, int seed, Func<Tensor, Tensor> loss, Action<string> log)
    {
        var rng = new Random(seed);
        var optimizer = torch.optim.AdamW(parameters, s.LearningRate, 0.9, 0.95, 1e-8, s.WeightDecay);
        double? first = null, smooth = 0;
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < s.Steps; step++)
        {
            using var scope = NewDisposeScope();
            double lr = s.LearningRate * (step < s.WarmupSteps
                ? (step + 1.0) / s.WarmupSteps
                : 0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * (step - s.WarmupSteps) / Math.Max(1, s.Steps - s.WarmupSteps))));
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
            var batch = SampleBatch(corpora, s.Batch, context, rng);
            optimizer.zero_grad();
            var l = loss(batch);
            l.backward();
            torch.nn.utils.clip_grad_norm_(parameters, 1.0);
            optimizer.step();
            double v = l.item<float>();
            smooth = step == 0 ? v : 0.95 * smooth + 0.05 * v;
            if (step == 19) first = smooth;
            if ((step + 1) % Math.Max(10, Math.Min(100, s.Steps / 10)) == 0 || step + 1 == s.Steps)
                log($"    step {step + 1}/{s.Steps} loss {smooth:F3} ({(step + 1.0) * s.Batch * context / clock.Elapsed.TotalSeconds:F0} tok/s)");
        }

        double seconds = clock.Elapsed.TotalSeconds;
        return new TrainReport(first ?? smooth!.Value, smooth!.Value, s.Steps * (double)s.Batch * context / seconds, seconds);
    }

    private static Tensor SampleBatch(IReadOnlyList<CorpusSplit> corpora, int batch, int context, Random rng)
    {
        var windows = new List<(byte[], int)>(batch);
        for (int i = 0; i < batch; i++)
        {
            var region = corpora[rng.Next(corpora.Count)].Train;
            windows.Add((region, rng.Next(region.Length - context - 1)));
        }

        return Windows.Batch(windows, context);
    }
}
