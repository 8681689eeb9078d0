using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

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

    /// <summary>
    /// Reading every unit turns the data into float32 arrays (A, B and B transposed): at most
    /// 2 × (bytes of F16/BF16 A) + 4 × (bytes of F16/BF16 B) ≤ 4 × the data, and the header and config
    /// cost a few times their own length in strings and entries. So 1 MiB + 4 × the input's bytes:
    /// a lying length, shape or offset (which would ask for more than the file holds) cannot pass.
    /// </summary>
    public static long AllocationBound(long inputBytes) => FixedOverhead + (4 * inputBytes);

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

        var task = Task.Factory.StartNew(() => Measure(fuzzCase, entry), TaskCreationOptions.LongRunning);
        if (!task.Wait(HangLimit))
        {
            return new FuzzResult(fuzzCase, "Hang", isCrash: true, $"still running after {HangLimit.TotalSeconds} s", HangLimit, 0, null);
        }

        return task.Result;
    }

    /// <summary>Loads and reads everything; used on the unmutated seeds too (warm-up and a sanity check).</summary>
    public static int LoadAndReadAll(string entry)
    {
        var adapter = AdapterLoader.Load(entry);
        long values = 0;
        foreach (var module in adapter.Modules)
        {
            var units = module.ReadUnits();
            values += units.A.Length + units.BT.Length;
        }

        foreach (var extra in adapter.ExtraTensors) values += extra.ReadRaw().Length;
        return adapter.ModuleCount;
    }

    private static FuzzResult Measure(FuzzCase fuzzCase, string entry)
    {
        var clock = Stopwatch.StartNew();
        long before = GC.GetAllocatedBytesForCurrentThread();
        string outcome;
        string? message = null;
        Exception? exception = null;
        bool crash = false;
        try
        {
            int modules = LoadAndReadAll(entry);
            outcome = FuzzResult.Loaded;
            message = $"{modules} modules";
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

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        clock.Stop();
        return new FuzzResult(fuzzCase, outcome, crash, message, clock.Elapsed, allocated, exception);
    }
}
