using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using LoraLego.Measuring;
using LoraLego.Merging;
using LoraLego.Units;

// One configuration per process, so the peak working set belongs to that configuration alone:
//   dotnet run -c Release -- <method> <out> <in> [sources=8] [rank=16] [repeats=3]
// Prints one markdown table row: method, shape, sources, median / min wall seconds and median CPU seconds
// per module, peak working set (MiB) and the size of one dense float32 ΔW (MiB).
var inv = CultureInfo.InvariantCulture;
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: DenseMethods <ties|dare|dare_ties|magnitude_prune|knots|linear|measure> <out> <in> [sources=8] [rank=16] [repeats=3]");
    return 2;
}

string method = args[0];
int dout = int.Parse(args[1], inv);
int din = int.Parse(args[2], inv);
int sourceCount = args.Length > 3 ? int.Parse(args[3], inv) : 8;
int rank = args.Length > 4 ? int.Parse(args[4], inv) : 16;
int repeats = args.Length > 5 ? int.Parse(args[5], inv) : 3;

// "measure" times MergeMeasurer.Measure of a rank-r merged block against the sources instead of a merge.
IMergeMethod? merger = method switch
{
    "measure" => null,
    "ties" => new TiesMethod(),
    "dare" => new DareMethod(),
    "dare_ties" => new DareTiesMethod(),
    "magnitude_prune" => new MagnitudePruneMethod(),
    "knots" => new KnotsMethod(),
    "linear" => new LinearMethod(),
    _ => throw new ArgumentException($"unknown method {method}"),
};

// LoRA-like sources: A ~ N(0, 1/din) scaled, B small, scale α/r = 2.
var rng = new Random(1234);
float Gauss(double sd) => (float)(sd * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
var sources = Enumerable.Range(0, sourceCount).Select(_ =>
{
    var a = new float[rank * din];
    var bt = new float[rank * dout];
    for (int i = 0; i < a.Length; i++) a[i] = Gauss(1 / Math.Sqrt(din));
    for (int i = 0; i < bt.Length; i++) bt[i] = Gauss(0.01);
    return new UnitBlock(din, dout, a, bt, Enumerable.Repeat(2.0, rank).ToArray());
}).ToArray();

var options = new MergeOptions { Density = 0.5, Seed = 7 };
// Wall time is what a user waits; CPU time (all threads) is less distorted when the machine is shared.
var times = new double[repeats];
var cpu = new double[repeats];
using var self = Process.GetCurrentProcess();
for (int rep = 0; rep < repeats; rep++)
{
    var input = new ModuleMergeInput($"model.layers.{rep}.bench", din, dout, sources);

    // The previous module's buffers are garbage by now, as when modules are streamed; collect
    // them so the peak working set shows one module's footprint, not GC slack across repeats.
    GC.Collect();
    GC.WaitForPendingFinalizers();
    self.Refresh();
    var cpu0 = self.TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    object merged = merger is null
        ? MergeMeasurer.Measure(input, sources[rep % sources.Length])
        : merger.Merge(input, options, CancellationToken.None);
    times[rep] = sw.Elapsed.TotalSeconds;
    self.Refresh();
    cpu[rep] = (self.TotalProcessorTime - cpu0).TotalSeconds;
    GC.KeepAlive(merged);
}

Array.Sort(times);
Array.Sort(cpu);
double median = times[repeats / 2];
self.Refresh();
double peakMiB = self.PeakWorkingSet64 / (1024.0 * 1024.0);
double denseMiB = (double)dout * din * 4 / (1024.0 * 1024.0);
Console.WriteLine(string.Format(inv, "| {0} | {1}×{2} | {3}×r{4} | {5:F2} | {6:F2} | {7:F2} | {8:F0} | {9:F0} |", method, dout, din, sourceCount, rank, median, times[0], cpu[repeats / 2], peakMiB, denseMiB));
return 0;
