using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using LoraLego.SafeTensors;

namespace LoraLego.Bench.ReadThroughput;

/// <summary>
/// gen &lt;dir&gt;: write the synthetic adapter set. read &lt;dir&gt; [runs]: read every tensor of every
/// adapter into float32, report GB/s of tensor bytes per run and the median of the warm runs, for
/// both read paths: one SafeTensorReader per file, and SafeTensorFile's per-call reads (one open
/// per tensor).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "gen")
        {
            SyntheticAdapters.Generate(args[1]);
            return 0;
        }

        if (args.Length >= 2 && args[0] == "read")
        {
            int warmRuns = args.Length >= 3 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
            return Read(args[1], warmRuns);
        }

        if (args.Length >= 2 && args[0] == "decode")
        {
            return Decode(args[1]);
        }

        Console.Error.WriteLine("usage: ReadThroughput gen <dir> | read <dir> [warm-runs=5] | decode <dir>   (decode: one tensor, read + decode vs raw read)");
        return 2;
    }

    private static int Read(string root, int warmRuns)
    {
        string[] files = Directory.GetDirectories(root, "adapter_*")
            .OrderBy(d => d, StringComparer.Ordinal)
            .Select(d => Path.Combine(d, "adapter_model.safetensors"))
            .Where(File.Exists)
            .ToArray();
        if (files.Length == 0)
        {
            Console.Error.WriteLine($"no adapter_*/adapter_model.safetensors under {root}; run 'gen {root}' first");
            return 1;
        }

        Console.WriteLine($"{files.Length} adapters, {files.Sum(f => new FileInfo(f).Length) / 1e6:F1} MB on disk");
        Console.WriteLine($"Vector<byte>.Count = {System.Numerics.Vector<byte>.Count}, hardware accelerated = {System.Numerics.Vector.IsHardwareAccelerated}");

        // One run is: open every file (parse + validate the header) and decode every tensor into a
        // reused float32 buffer, as the engine does when it loads adapters.
        foreach (bool perCall in new[] { false, true })
        {
            string path = perCall ? "SafeTensorFile.ReadFloat32 (one open per tensor)" : "SafeTensorFile.OpenReader (one open per file)";
            Console.WriteLine(path + ":");
            var first = Measure(files, perCall);
            Console.WriteLine($"  run 1 (first of this path in the process): {Format(first)}");
            var warm = new List<double>();
            var warmCpu = new List<double>();
            for (int run = 0; run < warmRuns; run++)
            {
                var result = Measure(files, perCall);
                warm.Add(result.GigabytesPerSecond);
                warmCpu.Add(result.Bytes / result.CpuSeconds / 1e9);
                Console.WriteLine($"  run {run + 2} (warm): {Format(result)}");
            }

            Console.WriteLine($"  median of {warm.Count} warm runs: {Median(warm):F2} GB/s of BF16 input (wall clock), {Median(warmCpu):F2} GB per CPU-second");
        }

        return 0;
    }

    /// <summary>
    /// One tensor over and over (the biggest of adapter_0, hot in the page cache and in L2/L3):
    /// ReadFloat32 (read + decode) against ReadRaw (read + a fresh array, no decoding), to show
    /// how a read splits between I/O and conversion.
    /// </summary>
    private static int Decode(string root)
    {
        string path = Path.Combine(root, "adapter_0", "adapter_model.safetensors");
        SafeTensorFile file = SafeTensorFile.Open(path);
        TensorInfo biggest = file.Tensors.OrderByDescending(t => t.ElementCount).First();
        var destination = new float[biggest.ElementCount];
        using SafeTensorReader reader = file.OpenReader();
        const int repeats = 200;
        for (int warm = 0; warm < 20; warm++)
        {
            reader.ReadFloat32(biggest, destination);
        }

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++)
        {
            reader.ReadFloat32(biggest, destination);
        }

        clock.Stop();
        double readSeconds = clock.Elapsed.TotalSeconds;
        byte[] raw = reader.ReadRaw(biggest);
        clock.Restart();
        for (int i = 0; i < repeats; i++)
        {
            reader.ReadRaw(biggest);
        }

        clock.Stop();
        double rawSeconds = clock.Elapsed.TotalSeconds;
        double gb = (double)raw.Length * repeats / 1e9;
        Console.WriteLine($"{biggest.Name} {biggest.DType}[{string.Join(",", biggest.Shape)}] x{repeats}:");
        Console.WriteLine($"  ReadFloat32 into a reused buffer: {gb / readSeconds:F2} GB/s of input");
        Console.WriteLine($"  ReadRaw (I/O + allocation, no decoding): {gb / rawSeconds:F2} GB/s");
        return 0;
    }

    private static Result Measure(string[] files, bool perCall)
    {
        float[] buffer = Array.Empty<float>();
        long bytes = 0;
        long tensors = 0;
        double checksum = 0;
        Process self = Process.GetCurrentProcess();
        TimeSpan cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        foreach (string path in files)
        {
            SafeTensorFile file = SafeTensorFile.Open(path);
            using SafeTensorReader? reader = perCall ? null : file.OpenReader();
            foreach (TensorInfo tensor in file.Tensors)
            {
                if (buffer.Length < tensor.ElementCount)
                {
                    buffer = new float[tensor.ElementCount];
                }

                Span<float> destination = buffer.AsSpan(0, (int)tensor.ElementCount);
                if (reader is null)
                {
                    file.ReadFloat32(tensor, destination);
                }
                else
                {
                    reader.ReadFloat32(tensor, destination);
                }

                checksum += destination[destination.Length - 1]; // keeps the work observable
                bytes += tensor.ByteLength;
                tensors++;
            }
        }

        clock.Stop();
        self.Refresh();
        double cpuSeconds = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
        return new Result(bytes, tensors, clock.Elapsed.TotalSeconds, cpuSeconds, checksum);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        int mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string Format(Result r) =>
        $"{r.Bytes / 1e6:F1} MB, {r.Tensors} tensors in {r.Seconds * 1000:F0} ms = {r.GigabytesPerSecond:F2} GB/s; CPU {r.CpuSeconds * 1000:F0} ms = {r.Bytes / r.CpuSeconds / 1e9:F2} GB per CPU-second (checksum {r.Checksum:G6})";

    private readonly struct Result
    {
        public Result(long bytes, long tensors, double seconds, double cpuSeconds, double checksum)
        {
            CpuSeconds = cpuSeconds;
            Bytes = bytes;
            Tensors = tensors;
            Seconds = seconds;
            Checksum = checksum;
        }

        public long Bytes { get; }

        public long Tensors { get; }

        public double Seconds { get; }

        public double Checksum { get; }

        /// <summary>User + kernel time of the process: less sensitive than wall time to other load on a shared machine.</summary>
        public double CpuSeconds { get; }

        public double GigabytesPerSecond => Bytes / Seconds / 1e9;
    }
}
