using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using LoraLego.Diagnostics;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>
/// Base of every LoraLego cmdlet: Ctrl+C cancels a token the engine observes, and long work runs on
/// worker threads while only the pipeline thread writes objects, errors and progress.
/// </summary>
public abstract class LoraCmdletBase : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    protected CancellationToken StopToken => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    public void Dispose()
    {
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes an engine failure as a non-terminating error (the other inputs go on).</summary>
    protected void WriteEngineError(LoraLegoException exception, object? target = null) =>
        WriteError(ErrorRecords.From(exception, target));

    /// <summary>
    /// Runs <paramref name="work"/> over <paramref name="items"/> on up to <paramref name="threads"/>
    /// workers and hands each result to <paramref name="onResult"/> on the pipeline thread, in input
    /// order (so output is deterministic). At most a small window of finished results waits, so
    /// memory does not grow with the number of items. Engine failures of one item go to
    /// <paramref name="onError"/> and the others continue; Ctrl+C stops within one item's check.
    /// </summary>
    protected void RunOrdered<TIn, TOut>(
        IReadOnlyList<TIn> items,
        Func<TIn, CancellationToken, TOut> work,
        Action<TIn, TOut> onResult,
        Action<TIn, LoraLegoException> onError,
        string activity,
        Func<TIn, string> describe,
        int threads = 0)
    {
        int count = items.Count;
        if (count == 0) return;
        if (threads <= 0) threads = Environment.ProcessorCount;
        var workers = new OrderedWorkers<TIn, TOut>(items, work, threads, StopToken);
        int emitted = 0;
        var progress = new ProgressRecord(Math.Abs(activity.GetHashCode() % 100000), activity, "Starting");
        try
        {
            while (emitted < count)
            {
                if (StopToken.IsCancellationRequested) throw new PipelineStoppedException();
                if (!workers.TryTakeNext(100, out var item, out var result, out var error)) continue;
                emitted++;
                Deliver(item, result, error, onResult, onError);
                progress.StatusDescription = $"{emitted} of {count}: {describe(item)}";
                progress.PercentComplete = (int)(100L * emitted / count);
                WriteProgress(progress);
            }
        }
        finally
        {
            workers.Join(TimeSpan.FromSeconds(5));
            progress.RecordType = ProgressRecordType.Completed;
            try { WriteProgress(progress); } catch (PipelineStoppedException) { }
        }
    }

    private void Deliver<TIn, TOut>(TIn item, TOut? result, Exception? error, Action<TIn, TOut> onResult, Action<TIn, LoraLegoException> onError)
    {
        switch (error)
        {
            case null: onResult(item, result!); break;
            case LoraLegoException engine: onError(item, engine); break;
            case OperationCanceledException when StopToken.IsCancellationRequested: throw new PipelineStoppedException();
            default: throw new InvalidOperationException($"Unexpected failure while processing {item}: {error.Message}", error);
        }
    }
}
