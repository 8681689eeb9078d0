using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>
/// Worker threads that process items and hand the outcomes back in input order, running at most
/// a window of items ahead of the consumer so memory does not grow with the number of items.
/// </summary>
/// <remarks>
/// Hand-offs wait on a monitor, which blocks at once. SemaphoreSlim and BlockingCollection spin
/// before blocking: with one waiter per item on a 2-core machine, the pipeline thread's spinning
/// took about a third of a core away from the workers (measured with dotnet-trace).
/// </remarks>
internal sealed class OrderedWorkers<TIn, TOut>
{
    private readonly IReadOnlyList<TIn> _items;
    private readonly Func<TIn, CancellationToken, TOut> _work;
    private readonly CancellationToken _stop;
    private readonly int _window;
    private readonly object _gate = new();
    private readonly (bool Done, TOut? Result, Exception? Error)[] _outcomes;
    private readonly Task[] _workers;
    private int _next = -1;
    private int _taken;
    private bool _abandoned;

    public OrderedWorkers(IReadOnlyList<TIn> items, Func<TIn, CancellationToken, TOut> work, int threads, CancellationToken stop)
    {
        _items = items;
        _work = work;
        _stop = stop;
        threads = Math.Max(1, Math.Min(threads, items.Count));
        _window = threads * 2;
        _outcomes = new (bool, TOut?, Exception?)[items.Count];
        _workers = new Task[threads];
        for (int t = 0; t < threads; t++)
        {
            _workers[t] = Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> for the next item's outcome, in input order; false on timeout
    /// (so the caller can check for Ctrl+C). The outcome is released: the workers may move on.
    /// </summary>
    public bool TryTakeNext(int timeoutMs, out TIn item, out TOut? result, out Exception? error)
    {
        lock (_gate)
        {
            int i = _taken;
            if (!_outcomes[i].Done) Monitor.Wait(_gate, timeoutMs);
            if (!_outcomes[i].Done)
            {
                item = default!;
                result = default;
                error = null;
                return false;
            }

            (_, result, error) = _outcomes[i];
            _outcomes[i] = default;
            item = _items[i];
            _taken++;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>
    /// Tells the workers to take no more items (the consumer is done, or gave up: a downstream
    /// Select-Object -First stops it without cancelling the token) and waits for them to leave.
    /// </summary>
    public void Join(TimeSpan timeout)
    {
        lock (_gate)
        {
            _abandoned = true;
            Monitor.PulseAll(_gate);
        }

        _ = Task.WaitAll(_workers, timeout);
    }

    private void Work()
    {
        while (true)
        {
            int i;
            lock (_gate)
            {
                while (!_stop.IsCancellationRequested && !_abandoned && _next + 1 < _items.Count && _next + 1 - _taken >= _window)
                {
                    Monitor.Wait(_gate, 100);
                }

                if (_stop.IsCancellationRequested || _abandoned || _next + 1 >= _items.Count) return;
                i = ++_next;
            }

            (bool, TOut?, Exception?) outcome;
            try
            {
                outcome = (true, _work(_items[i], _stop), null);
            }
            catch (Exception e)
            {
                outcome = (true, default, e);
            }

            lock (_gate)
            {
                _outcomes[i] = outcome;
                Monitor.PulseAll(_gate);
            }
        }
    }
}
