using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using LoraLego.Bench.LanguageModel.Corpora;
using LoraLego.Bench.LanguageModel.Model;
using LoraLego.Bench.LanguageModel.Training;

namespace LoraLego.Bench.LanguageModel.Experiment;

/// <summary>
/// Trains the base model on the mix of every available domain, then one LoRA per domain and seed,
/// and saves each to the cache (base as float32 tensors, LoRAs as PEFT folders written by AdapterWriter).
/// Work already saved is skipped, so an interrupted run resumes.
/// </summary>
internal static class TrainingStage
{
    public static TrainReport TrainBase(BenchProfile p, RunLayout layout, IReadOnlyList<string> domains, Action<string> log)
    {
        if (File.Exists(layout.BaseModel) && File.Exists(layout.BaseReport))
        {
            log($"base: already trained ({layout.BaseModel})");
            return JsonSerializer.Deserialize<TrainReport>(File.ReadAllText(layout.BaseReport))!;
        }

        var corpora = domains.Select(d => CorpusStore.Load(layout.Cache, d)).ToList();
        log($"base: training on {string.Join(", ", domains)} ({p.Base.Steps} steps)");
        using var model = TinyTransformer.Create(p.Model, BenchProfile.BaseSeed);
        var report = Trainer.TrainBase(model, corpora, p.Base, BenchProfile.BaseSeed, log);
        model.Save(layout.BaseModel);
        WriteJson(layout.BaseReport, report);
        log($"base: loss {report.FirstLoss:F3} → {report.LastLoss:F3} in {report.Seconds:F0} s ({report.TokensPerSecond:F0} tok/s)");
        return report;
    }

    public static List<(int Seed, string Domain, TrainReport Report)> TrainLoras(BenchProfile p, RunLayout layout, IReadOnlyList<string> domains, Action<string> log)
    {
        using var model = TinyTransformer.Load(layout.BaseModel);
        model.Freeze();
        var reports = new List<(int, string, TrainReport)>();
        foreach (int seed in p.Seeds)
        {
            foreach (var domain in domains)
            {
                string folder = layout.Lora(seed, domain), reportPath = layout.LoraReport(seed, domain);
                if (Directory.Exists(folder) && File.Exists(reportPath))
                {
                    reports.Add((seed, domain, JsonSerializer.Deserialize<TrainReport>(File.ReadAllText(reportPath))!));
                    continue;
                }

                log($"LoRA {domain}, seed {seed}: {p.Lora.Steps} steps");
                var corpus = CorpusStore.Load(layout.Cache, domain);
                int loraSeed = seed * 100 + Array.IndexOf(DomainCatalog.All.Select(d => d.Name).ToArray(), domain);
                using var lora = new TrainableLora(p.Model, p.LoraRank, p.LoraAlpha, loraSeed);
                var report = Trainer.TrainLora(model, lora, corpus, p.Lora, loraSeed, log);
                var provenance = new Dictionary<string, string>
                {
                    ["bench"] = "LanguageModel",
                    ["domain"] = domain,
                    ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
                    ["steps"] = p.Lora.Steps.ToString(CultureInfo.InvariantCulture),
                };
                AdapterFolders.Write(p.Model, lora.ToUnitBlocks(), folder, provenance);
                WriteJson(reportPath, report);
                log($"LoRA {domain}, seed {seed}: loss {report.FirstLoss:F3} → {report.LastLoss:F3} in {report.Seconds:F0} s");
                reports.Add((seed, domain, report));
            }
        }

        return reports;
    }

    public static void WriteJson<T>(string path, T value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(path + ".tmp", path, true);
    }
}
