using System;
using System.Diagnostics;
using System.Linq;
using LoraLego.Bench.Quality;
using LoraLego.Bench.Quality.Model;
using LoraLego.Bench.Quality.Training;
using LoraLego.Units;

var config = Array.IndexOf(args, "--quick") >= 0 ? QualityConfig.Quick : QualityConfig.Full;
for (int i = 0; i + 1 < args.Length; i++) if (args[i] == "--set") config = ConfigOverrides.Apply(config, args[i + 1]);
var sw = Stopwatch.StartNew();
foreach (int seed in config.Seeds)
{
    var w = SeedWorld.Build(config, seed, 8, Console.WriteLine);
    foreach (int T in new[] { 2, 4, 8 })
    {
        var merged = Enumerable.Range(0, w.Base.Layers).Select(l => (UnitBlock?)UnitBlocks.Stack(Enumerable.Range(0, T).Select(t => w.Loras[t][l]!).ToList())).ToArray();
        foreach (double s in new[] { 0.25, 0.5, 1.0, 1.5 })
        {
            var sc = Enumerable.Range(0, T).Select(t => Evaluation.Accuracy(w.Base, w.Tasks[t].Test, merged, s) / w.SingleTestAccuracy[t]).ToArray();
            Console.WriteLine($"T={T} sum x{s}: mean {sc.Average():F3} min {sc.Min():F3}");
        }
    }
    Console.WriteLine($"{sw.Elapsed.TotalSeconds:F1}s");
    break;
}
