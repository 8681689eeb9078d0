using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats;

namespace LoraLego.Fuzzing;

/// <summary>
/// Runs one case: writes its files into a scratch folder, loads the adapter and reads every unit and
/// extra tensor, and classifies the end. Allowed ends: a loaded adapter whose data reads, or a
/// <see cref="LoraLegoException"/>; anything else is a crash. Also measured: time (a case must end
/// within <see cref="TimeLimit"/>) and allocation (within <see cref="AllocationBound"/>).
/// </summary>
public sealed class FuzzRunner
{
    /// <summary>Every case, even on a loaded 2-core machine, must end within this.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(1);

    /// <summary>A case still running after this is reported as a hang (its thread is abandoned).</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    /// <summary>Fixed allowance: JSON reader state, the 256 KiB pooled read chunk, regex and small objects.</summary>
    public const long FixedOverhead = 1L << 20;

    /// <summary>Per byte of JSON (safetensors header, adapter_config.json): see <see cref="AllocationBound"/>.</summary>
    public const long JsonFactor = 32;

    /// <summary>
    /// Reading every unit turns the data into float32 arrays (A, B and B transposed): at most
    /// 2 × (bytes of F16/BF16 A) + 4 × (bytes of F16/BF16 B) ≤ 4 × the data. Each header entry
    /// (~100 JSON bytes) becomes a dozen managed objects: the name as UTF-16, shape and offset
    /// arrays, the tensor and module entries; measured at ~16 × the header's bytes for a header of
    /// 40,000 one-element tensors (AllocationProbeTests), so 32 ×. Hence 1 MiB + 4 × input bytes +
    /// 32 × JSON bytes. No term grows with a number written in the file: a lying length, shape or
    /// offset (which would ask for more than the file holds) cannot pass.
    /// </summary>
    public static long AllocationBound(long inputBytes, long jsonBytes) => FixedOverhead + (4 * inputBytes) + (JsonFactor * jsonBytes);

    private readonly string _scratch;

    public FuzzRunner(string scratch)
    {
        _scratch = scratch;
        Directory.CreateDirectory(scratch);
    }

    public FuzzResult Run(FuzzCase fuzzCase)
    {
        var folder = Path.Combine(_scratch, "case");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        foreach (var (name, bytes) in fuzzCase.Files) File.WriteAllBytes(Path.Combine(folder, name), bytes);
        var entry = fuzzCase.Entry is null ? folder : Path.Combine(folder, fuzzCase.Entry);

        var output = Path.Combine(_scratch, "out");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var task = Task.Factory.StartNew(() => Measure(fuzzCase, entry, output), TaskCreationOptions.LongRunning);
        if (!task.Wait(HangLimit))
        {
            return new FuzzResult(fuzzCase, "Hang", isCrash: true, $"still running after {HangLimit.TotalSeconds} s", HangLimit, 0, null);
        }

        return task.Result;
    }

    /// <summary>Loads and reads everything; used on the unmutated seeds too (warm-up and a sanity check).</summary>
    public static LoraAdapter LoadAndReadAll(string entry)
    {
        var adapter = AdapterLoader.Load(entry);
        long values = 0;
        foreach (var module in adapter.Modules)
        {
            var units = module.ReadUnits();
            values += units.A.Length + units.BT.Length;
        }

        foreach (var extra in adapter.ExtraTensors) values += extra.ReadRaw().Length;
        return adapter;
    }

    /// <summary>
    /// Whatever loads must also write back out (same format family) and load again with the same
    /// modules: a loaded adapter the writer chokes on is a finding too. Outside the allocation window.
    /// </summary>
    private static void RoundTrip(LoraAdapter adapter, string output)
    {
        if (adapter.ModuleCount == 0) return;
        var kohya = adapter.Format == AdapterFormat.Kohya;
        var target = kohya ? output + ".safetensors" : output;
        var options = new AdapterWriteOptions { Format = kohya ? AdapterFormat.Kohya : AdapterFormat.Peft, Sources = new[] { adapter }, Overwrite = true };
        var written = AdapterWriter.Write(target, adapter.Modules.Select(m => OutputModule.Like(m, m.Rank)).ToList(), (m, _) => adapter.GetModule(m.Name)!.ReadUnits(), options);
        LoraAdapter again;
        try
        {
            again = AdapterLoader.Load(written);
        }
        catch (LoraLegoException e)
        {
            throw new RoundTripException($"the written adapter does not load: {e.ErrorId}: {e.Message}", e);
        }

        if (!again.Modules.Select(m => (m.Name, m.Rank, m.InFeatures, m.OutFeatures)).SequenceEqual(adapter.Modules.Select(m => (m.Name, m.Rank, m.InFeatures, m.OutFeatures))))
            throw new RoundTripException("the written adapter has other modules than the loaded one");
    }

    private static FuzzResult Measure(FuzzCase fuzzCase, string entry, string output)
    {
        var clock = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        long allocated = -1;
        string outcome;
        string? message = null;
        Exception? exception = null;
        bool crash = false;
        try
        {
            var adapter = LoadAndReadAll(entry);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            RoundTrip(adapter, output);
            outcome = FuzzResult.Loaded;
            message = $"{adapter.ModuleCount} modules";
        }
        catch (LoraLegoException e)
        {
            outcome = e.ErrorId;
            message = e.Message;
            exception = e;
        }
        catch (Exception e)
        {
            outcome = "Crash:" + e.GetType().Name;
            message = e.Message;
            exception = e;
            crash = true;
        }

        if (allocated < 0) allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        clock.Stop();
        return new FuzzResult(fuzzCase, outcome, crash, message, clock.Elapsed, allocated, exception);
    }
}

/// <summary>A loaded adapter that does not survive being written and read back: always a failure.</summary>
public sealed class RoundTripException : Exception
{
    public RoundTripException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
