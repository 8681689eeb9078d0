using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using LoraLego.Bench.LanguageModel.Corpora;
using LoraLego.Bench.LanguageModel.Experiment;
using TorchSharp;

namespace LoraLego.Bench.LanguageModel;

/// <summary>
/// Language-model merge benchmark. Modes:
///   prepare      fetch the domains' text into the cache
///   train-base   train the byte-level transformer on every domain's mix
///   train-loras  one LoRA per domain and seed (PEFT folders in the cache)
///   merge        every registered merge method, scored by each domain's held-out loss
///   all          the four above in order
///   slice        the CI check: a 2-layer model on two domains, end to end (JSON to --out)
/// Options: --cache DIR (default $LORALEGO_LM_CACHE or ~/.cache/loralego-lm), --profile full|slice,
///          --threads N (default 2), --out FILE.json (merge/slice: also write the results there; .md beside it).
/// Overrides of the profile (a changed training setting gets its own folder in the cache):
///          --layers N, --base-steps N, --lora-steps N, --lora-batch N, --seeds 1,2,3,
///          --eval-windows VAL,TEST, --ranks 1,2 (k as multiples of r), --counts 2,4,6 (domains per merge),
///          --methods Svd,Ties,... (merge mode: score these registered methods only; default all).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: LoraLego.Bench.LanguageModel prepare|train-base|train-loras|merge|all|slice [--cache DIR] [--profile full|slice] [--threads N] [--out FILE.json]");
            return args.Length == 0 ? 2 : 0;
        }

        string mode = args[0];
        var options = ParseOptions(args.Skip(1).ToArray());
        string cache = options.GetValueOrDefault("cache") ?? RunLayout.DefaultCache();
        var profile = BenchProfile.Named(options.GetValueOrDefault("profile") ?? (mode == "slice" ? "slice" : "full"))
            .WithOverrides(options);
        int threads = int.Parse(options.GetValueOrDefault("threads") ?? "2", CultureInfo.InvariantCulture);
        string? outPath = options.GetValueOrDefault("out");
        torch.set_num_threads(threads);
        torch.set_num_interop_threads(1);
        var layout = new RunLayout(cache, profile);
        var clock = Stopwatch.StartNew();
        void Log(string message) => Console.Error.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");

        foreach (var line in profile.Describe()) Log(line);
        switch (mode)
        {
            case "prepare":
                CorpusStore.Prepare(cache, profile.Domains, profile.CorpusCapBytes, Log);
                break;
            case "train-base":
                TrainingStage.TrainBase(profile, layout, Available(cache, profile, Log), Log);
                break;
            case "train-loras":
                TrainingStage.TrainLoras(profile, layout, Available(cache, profile, Log), Log);
                break;
            case "merge":
                MergeStageRunner.Run(profile, layout, Available(cache, profile, Log), outPath, Log);
                break;
            case "all":
            case "slice":
                var domains = CorpusStore.Prepare(cache, profile.Domains, profile.CorpusCapBytes, Log);
                TrainingStage.TrainBase(profile, layout, domains, Log);
                TrainingStage.TrainLoras(profile, layout, domains, Log);
                MergeStageRunner.Run(profile, layout, domains, outPath, Log);
                break;
            default:
                Console.Error.WriteLine($"Unknown mode '{mode}'.");
                return 2;
        }

        Log($"done in {clock.Elapsed.TotalSeconds:F0} s");
        return 0;
    }

    /// <summary>The profile's domains whose corpus is prepared; the others are named as missing.</summary>
    private static List<string> Available(string cache, BenchProfile profile, Action<string> log)
    {
        var ready = profile.Domains.Where(d => System.IO.File.Exists(CorpusStore.PathOf(cache, d))).ToList();
        foreach (var d in profile.Domains.Except(ready)) log($"{d}: not prepared; left out (run 'prepare').");
        if (ready.Count == 0) throw new InvalidOperationException($"No corpus prepared in {cache}; run the 'prepare' mode first.");
        return ready;
    }

    private static readonly string[] KnownOptions =
        { "cache", "profile", "threads", "out", "layers", "base-steps", "lora-steps", "lora-batch", "seeds", "eval-windows", "ranks", "counts", "methods" };

    private static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"Expected '--name value', got '{args[i]}'.");
            if (Array.IndexOf(KnownOptions, args[i][2..]) < 0) throw new ArgumentException($"Unknown option '{args[i]}'. Known: --{string.Join(", --", KnownOptions)}.");
            options[args[i][2..]] = args[++i];
        }

        return options;
    }
}
