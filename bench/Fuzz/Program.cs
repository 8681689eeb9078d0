using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using LoraLego.Fuzzing;

// A long fuzz campaign: dotnet run -c Release --project bench/Fuzz -- [--cases N] [--seed S] [--first I] [--report file] [--no-real]
// Replay one case: --first I --cases 1 --verbose. Exit code 1 when any case crashed, hung, ran over
// a second or allocated past the bound.
long cases = 10_000, first = 0;
ulong seed = 20261124;
string? report = null;
bool includeReal = true, verbose = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--cases": cases = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seed": seed = ulong.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--first": first = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--report": report = args[++i]; break;
        case "--no-real": includeReal = false; break;
        case "--verbose": verbose = true; break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

var root = SeedCatalog.FindRepoRoot(AppContext.BaseDirectory);
var scratch = Path.Combine(Path.GetTempPath(), "loralego-fuzz-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
try
{
    var seeds = SeedCatalog.Load(root, Path.Combine(scratch, "seeds"), includeReal);
    var runner = new FuzzRunner(Path.Combine(scratch, "run"));

    // Warm-up: every seed loads whole (a seed that does not is a broken campaign, not a finding),
    // and JIT and static state are paid for before any allocation is measured.
    foreach (var s in seeds)
    {
        var warm = runner.Run(new FuzzCase(-1, s, "Seed", "unchanged", s.Files, s.HasConfig ? null : s.TensorFile));
        if (warm.Outcome != FuzzResult.Loaded) throw new InvalidOperationException($"seed {s.Name} does not load: {warm.Describe()}");
    }

    var campaign = new FuzzCampaign(seed);
    var clock = Stopwatch.StartNew();
    campaign.Run(seeds, runner, first, cases, r =>
    {
        if (verbose || r.IsFailure) Console.WriteLine((r.IsFailure ? "FAIL " : string.Empty) + r.Describe());
        if (r.IsFailure && r.Exception is not null && r.IsCrash) Console.WriteLine(r.Exception);
        if (campaign.Cases % 1000 == 0) Console.Error.WriteLine($"{campaign.Cases} cases, {campaign.Failures.Count} failures, {clock.Elapsed.TotalSeconds:F0} s");
    });

    var text = campaign.Report(seeds) + $"\nWall time: {clock.Elapsed.TotalSeconds:F1} s.\n";
    Console.WriteLine(text);
    if (report is not null) File.WriteAllText(report, text);
    return campaign.Failures.Count == 0 ? 0 : 1;
}
finally
{
    try { Directory.Delete(scratch, recursive: true); }
    catch (IOException) { }
}
