using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using LoraLego.Bench.Quality.Model;
using LoraLego.Bench.Quality.Training;

namespace LoraLego.Bench.Quality.Samples;

/// <summary>One task's accuracies under one adapter: base network alone, the task's own LoRA, the adapter, and adapter / own.</summary>
internal sealed record TaskAccuracy(string Task, double Base, double Own, double Merged, double Score);

/// <summary>Every task scored under one adapter folder, with the mean over tasks.</summary>
internal sealed record AdapterEvaluation(string Adapter, string Path, IReadOnlyList<TaskAccuracy> Tasks)
{
    public TaskAccuracy Mean => new("mean", Tasks.Average(t => t.Base), Tasks.Average(t => t.Own), Tasks.Average(t => t.Merged), Tasks.Average(t => t.Score));
}

/// <summary>
/// Scores adapter folders (typically merges of the sample adapters) on the sample tasks. Every adapter,
/// the tasks' own LoRAs included, is read through the engine's AdapterLoader, so what is scored is what
/// the module wrote to disk. Output scale 1: the adapter as a user would apply it.
/// </summary>
internal static class SampleEvaluator
{
    public static IReadOnlyList<AdapterEvaluation> Evaluate(string tasksFolder, IReadOnlyList<string> adapterFolders)
    {
        var (net, tasks) = SampleSet.Load(tasksFolder);
        var baseAcc = tasks.Select(t => Evaluation.Accuracy(net, t.Test, null)).ToArray();
        var ownAcc = tasks.Select(t => Evaluation.Accuracy(net, t.Test, AdapterFiles.Read(net, t.OwnAdapter))).ToArray();
        return adapterFolders.Select(folder =>
        {
            var merged = AdapterFiles.Read(net, folder);
            var rows = tasks.Select((t, i) =>
            {
                double acc = Evaluation.Accuracy(net, t.Test, merged);
                return new TaskAccuracy(t.Name, baseAcc[i], ownAcc[i], acc, acc / ownAcc[i]);
            }).ToList();
            return new AdapterEvaluation(System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder))), folder, rows);
        }).ToList();
    }

    /// <summary>One plain-text table: a row per (adapter, task) and a mean row per adapter.</summary>
    public static string Table(IReadOnlyList<AdapterEvaluation> results)
    {
        int width = Math.Max("Adapter".Length, results.Max(r => r.Adapter.Length));
        int taskWidth = Math.Max("Task".Length, results.SelectMany(r => r.Tasks).Max(t => t.Task.Length));
        var sb = new StringBuilder();
        string Row(string a, string t, string b, string o, string m, string s) =>
            $"{a.PadRight(width)}  {t.PadRight(taskWidth)}  {b,6}  {o,6}  {m,6}  {s,6}";
        string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        sb.AppendLine(Row("Adapter", "Task", "Base", "Own", "Merged", "Score"));
        sb.AppendLine(Row(new string('-', width), new string('-', taskWidth), "------", "------", "------", "------"));
        foreach (var r in results)
        {
            foreach (var t in r.Tasks.Append(r.Mean)) sb.AppendLine(Row(r.Adapter, t.Task, F(t.Base), F(t.Own), F(t.Merged), F(t.Score)));
        }

        return sb.ToString();
    }

    public static string Json(IReadOnlyList<AdapterEvaluation> results) =>
        JsonSerializer.Serialize(results.Select(r => new { r.Adapter, r.Path, r.Tasks, r.Mean }), new JsonSerializerOptions { WriteIndented = true });

    /// <summary>eval --tasks folder --adapter folder [--adapter folder]... [--json]</summary>
    public static int Run(string[] args)
    {
        string? tasks = null;
        var adapters = new List<string>();
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--tasks": tasks = Value(); break;
                case "--adapter": adapters.Add(Value()); break;
                case "--json": json = true; break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: eval --tasks folder --adapter folder [--adapter folder]... [--json]");
            }
        }

        if (tasks is null || adapters.Count == 0) throw new ArgumentException("Usage: eval --tasks folder --adapter folder [--adapter folder]... [--json]");
        var results = Evaluate(tasks, adapters);
        Console.Write(json ? Json(results) + Environment.NewLine : Table(results));
        return 0;
    }
}
