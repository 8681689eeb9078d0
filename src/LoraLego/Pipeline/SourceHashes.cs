using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LoraLego.Adapters;

namespace LoraLego.Pipeline;

/// <summary>
/// The SHA-256 of source adapters' tensor files (for provenance), computed on worker threads while
/// the caller goes on, e.g. writes the merged tensors: hashing eight 80 MB sources one after
/// another took as long as the whole write. Files are only read. Dispose cancels what is still
/// running and waits for it, so no read outlives the merge.
/// </summary>
public sealed class SourceHashes : IDisposable
{
    /// <summary>Stands for a hash not known yet: exactly as long as one (64 hex digits), so a header laid out with it keeps its length.</summary>
    public static readonly string Pending = new('0', 64);

    private readonly Dictionary<LoraAdapter, Task<string>> _hashes = new();
    private readonly CancellationTokenSource _cancel;
    private readonly TaskScheduler _workers;

    /// <param name="threads">Files hashed at once; 0 means one per core.</param>
    /// <param name="cancellationToken">Stops the hashing (Ctrl+C).</param>
    public SourceHashes(int threads, CancellationToken cancellationToken)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads));
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _workers = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, threads > 0 ? threads : Environment.ProcessorCount).ConcurrentScheduler;
    }

    /// <summary>Starts hashing each adapter's tensor file not started yet.</summary>
    public void Start(IEnumerable<LoraAdapter> adapters)
    {
        lock (_hashes)
        {
            foreach (var adapter in adapters) Begin(adapter);
        }
    }

    /// <summary>The adapter's hash (lowercase hex), waiting for it; an error reading the file is rethrown as it was.</summary>
    public string Get(LoraAdapter adapter, CancellationToken cancellationToken = default)
    {
        Task<string> hash;
        lock (_hashes) hash = Begin(adapter);
        try
        {
            hash.Wait(cancellationToken);
        }
        catch (AggregateException)
        {
            // Rethrown unwrapped just below.
        }

        return hash.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _cancel.Cancel();
        Task[] running;
        lock (_hashes) running = _hashes.Values.ToArray<Task>();
        try
        {
            Task.WaitAll(running);
        }
        catch (AggregateException)
        {
            // Cancelled or failed: nobody asked for these hashes any more.
        }

        _cancel.Dispose();
    }

    private Task<string> Begin(LoraAdapter adapter)
    {
        if (!_hashes.TryGetValue(adapter, out var hash))
        {
            var token = _cancel.Token;
            hash = Task.Factory.StartNew(() => adapter.ComputeSha256(token), token, TaskCreationOptions.None, _workers);
            _hashes[adapter] = hash;
        }

        return hash;
    }
}
