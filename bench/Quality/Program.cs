using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using LoraLego.Bench.Quality;
using LoraLego.Bench.Quality.Report;
using LoraLego.Bench.Quality.Samples;

// Modes other than the grid (first argument):
//   samples <dir>                                   regenerate the module's sample set (build.ps1 -Task Samples)
//   eval --tasks <dir> --adapter <dir>... [--json]  score adapters on the sample tasks (samples/demo.ps1)
//   slice [--seed N]                                a seconds-long seeded slice, as JSON (tests/pester/Quality.Tests.ps1)
if (args.Length > 0 && args[0] is "samples" or "eval" or "slice")
{
    try
    {
        switch (args[0])
        {
            case "eval": return SampleEvaluator.Run(args[1..]);
            case "slice": return QualitySlice.Run(args[1..]);
            default:
                if (args.Length != 2) throw new ArgumentException("Usage: samples <samples folder>");
                SampleSet.Write(args[1], Console.Error.WriteLine);
                return 0;
        }
    }
    catch (Exception ex) when (ex is ArgumentException or IOException or FormatException or LoraLego.Diagnostics.LoraLegoException)
    {
        // Scripts (demo.ps1, Quality.Tests.ps1) get the reason on stderr and a failing exit code, not a stack trace.
        Console.Error.WriteLine($"{args[0]}: {ex.Message}");
        return 1;
    }
}

// dotnet run -c Release --project bench/Quality -- [--quick] [--threads N] [--set Name=value]... [--out file.md] [--adapters folder | --in-memory] [--real fixtures-folder]
var config = args.Contains("--quick") ? QualityConfig.Quick : QualityConfig.Full;
int threads = 1;
string output = Path.Combine("bench", "results", args.Contains("--quick") ? "quality-quick.md" : "quality.md");
string? adapters = args.Contains("--in-memory") ? null : Path.Combine("bench", "results", "adapters");
string? realFixtures = null;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--quick": case "--in-memory": break;
        case "--real": realFixtures = Value(); break;
        case "--set": config = ConfigOverrides.Apply(config, Value()); break;
        case "--threads": threads = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
        case "--out": output = Value(); break;
        case "--adapters": adapters = Value(); break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: [--quick] [--threads N] [--set Name=value]... [--out file.md] [--adapters folder | --in-memory] [--real fixtures-folder]");
    }
}

if (realFixtures is not null)
{
    // Only the real-adapter fidelity check (no training).
    string table = RealAdapterFidelity.Run(realFixtures, new[] { 4, 8, 16 }, line => Console.Error.WriteLine(line));
    Console.WriteLine(table);
    return 0;
}

var missing = MergeCatalog.MainGrid().Concat(MergeCatalog.Pruning()).Where(v => !v.IsAvailable).Select(v => v.Method).Distinct().ToList();
if (missing.Count > 0) Console.Error.WriteLine($"Methods not in this build (skipped): {string.Join(", ", missing)}");

var sw = Stopwatch.StartNew();
var runner = new GridRunner(config, line => Console.Error.WriteLine($"[{sw.Elapsed.TotalSeconds,6:F1}s] {line}"), adapters);
var results = runner.Run(threads);
sw.Stop();

string command = "dotnet run -c Release --project bench/Quality -- " + string.Join(" ", args);
string markdown = MarkdownReport.Render(config, runner.Worlds, results, command.TrimEnd(), sw.Elapsed, missing, adapters);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
File.WriteAllText(output, markdown);
Console.WriteLine(markdown);
Console.Error.WriteLine($"Written to {output}");
return 0;
