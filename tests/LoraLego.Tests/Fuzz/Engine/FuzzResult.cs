using System;

namespace LoraLego.Fuzzing;

/// <summary>How one case ended, how long it took and how much it allocated.</summary>
public sealed class FuzzResult
{
    public FuzzResult(FuzzCase fuzzCase, string outcome, bool isCrash, string? message, TimeSpan elapsed, long allocated, Exception? exception)
    {
        Case = fuzzCase;
        Outcome = outcome;
        IsCrash = isCrash;
        Message = message;
        Elapsed = elapsed;
        Allocated = allocated;
        Exception = exception;
    }

    public const string Loaded = "Loaded";

    public FuzzCase Case { get; }

    /// <summary>"Loaded", the LoraLegoException's ErrorId, or "Crash:&lt;exception type&gt;" / "Hang".</summary>
    public string Outcome { get; }

    public bool IsCrash { get; }

    public string? Message { get; }

    public TimeSpan Elapsed { get; }

    /// <summary>Bytes allocated on the loading thread (GC.GetAllocatedBytesForCurrentThread), load plus reading every unit (the write-back is not counted).</summary>
    public long Allocated { get; }

    public Exception? Exception { get; }

    public double AllocationRatio => Case.InputBytes == 0 ? Allocated : (double)Allocated / Case.InputBytes;

    public bool TooSlow => Elapsed > FuzzRunner.TimeLimit;

    public bool AllocatedTooMuch => Allocated > FuzzRunner.AllocationBound(Case.InputBytes, Case.JsonBytes);

    public bool IsFailure => IsCrash || TooSlow || AllocatedTooMuch;

    public string Describe() =>
        $"{Case} -> {Outcome} in {Elapsed.TotalMilliseconds:F1} ms, {Allocated:N0} bytes allocated for {Case.InputBytes:N0} input bytes" +
        (Message is null ? string.Empty : $": {Message}");
}
