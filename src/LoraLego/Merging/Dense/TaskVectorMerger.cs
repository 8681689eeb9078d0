using System;
using System.Runtime.CompilerServices;
using System.Threading;
using LoraLego.Clustering;
using LoraLego.Linalg;

namespace LoraLego.Merging.Dense;

/// <summary>Task vectors that can be (re)built one at a time into a caller's buffer.</summary>
internal interface ITaskVectors
{
    int Count { get; }

    int Length { get; }

    /// <summary>Writes task <paramref name="task"/> into <paramref name="buffer"/>; must be deterministic (it may be called twice).</summary>
    void Fill(int task, float[] buffer);
}

internal enum TrimKind
{
    None,
    Magnitude,
    RandomDrop,
}

/// <summary>How task vectors are combined (PEFT's merge_utils semantics).</summary>
internal sealed class TaskVectorRecipe
{
    public TaskVectorRecipe(TrimKind trim, bool disjointMean, double density, SignElection election)
    {
        Trim = trim;
        DisjointMean = disjointMean;
        Density = density;
        Election = election;
    }

    public TrimKind Trim { get; }

    /// <summary>True: elect a sign per entry and average the agreeing entries (TIES). False: plain sum.</summary>
    public bool DisjointMean { get; }

    public double Density { get; }

    public SignElection Election { get; }
}

/// <summary>
/// trim → (elect sign → disjoint mean | sum) over task vectors built one at a time. TIES needs
/// every task twice (first to elect signs, then to average the agreeing entries); rebuilding a
/// task is cheaper than holding n dense copies, so peak memory is a fixed handful of buffers
/// whatever the number of sources. A magnitude trim is never written out: its cut (threshold and
/// ties to keep) is found once per task and every pass reads the kept entries through it.
/// </summary>
internal static class TaskVectorMerger
{
    public static float[] Merge(ITaskVectors tasks, TaskVectorRecipe recipe, int seed, string module, CancellationToken cancellationToken)
    {
        var work = new float[tasks.Length];
        var result = new float[tasks.Length];
        var cuts = new TrimCut?[tasks.Count];
        if (!recipe.DisjointMean)
        {
            for (int t = 0; t < tasks.Count; t++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var keep = Build(tasks, t, recipe, seed, module, work, cuts);
                if (keep.IsAll) ParallelChunks.For(work.Length, (_, start, end) => AddRange(work, result, start, end));
                else ParallelChunks.For(work.Length, (c, start, end) => AddKept(work, keep.Threshold, keep.TiesLeft(c), result, start, end));
            }

            return result;
        }

        // Pass 1: sign election. Total: sign of the sum; Frequency: sign of the count of signs.
        bool bySum = recipe.Election == SignElection.Total;
        for (int t = 0; t < tasks.Count; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var keep = Build(tasks, t, recipe, seed, module, work, cuts);
            ParallelChunks.For(work.Length, (c, start, end) =>
            {
                if (bySum) AddKept(work, keep.Threshold, keep.TiesLeft(c), result, start, end);
                else AddSignsKept(work, keep.Threshold, keep.TiesLeft(c), result, start, end);
            });
        }

        // Ties (zero) go to +, as in PEFT (majority = +1 where the sign magnitude is >= 0).
        var elected = new sbyte[tasks.Length];
        ParallelChunks.For(elected.Length, (_, start, end) => Elect(result, elected, start, end));
        Array.Clear(result, 0, result.Length);

        // Pass 2: disjoint mean of the kept entries that agree with the elected sign; zeros never agree.
        var agreeing = new ushort[tasks.Length];
        for (int t = 0; t < tasks.Count; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var keep = Build(tasks, t, recipe, seed, module, work, cuts);
            ParallelChunks.For(work.Length, (c, start, end) => AddAgreeingKept(work, keep.Threshold, keep.TiesLeft(c), elected, result, agreeing, start, end));
        }

        ParallelChunks.For(result.Length, (_, start, end) => Divide(result, agreeing, start, end));
        return result;
    }

    /// <summary>Fills task <paramref name="task"/> into <paramref name="work"/> and says which entries survive the trim.</summary>
    /// <param name="cuts">Magnitude cuts per task: found on the first build, reused on the second.</param>
    private static Kept Build(ITaskVectors tasks, int task, TaskVectorRecipe recipe, int seed, string module, float[] work, TrimCut?[] cuts)
    {
        tasks.Fill(task, work);
        switch (recipe.Trim)
        {
            case TrimKind.Magnitude:
                var cut = cuts[task] ??= MagnitudeTrim.Find(work, MagnitudeTrim.KeepCount(recipe.Density, work.Length));
                return cut.KeepsAll ? Kept.All : new Kept(cut.Threshold, cut.TiesToKeep, MagnitudeTrim.TiesBefore(work, cut));
            case TrimKind.RandomDrop:
                RandomDrop.Apply(work, recipe.Density, SplitMix64.StreamSeed(seed, module, task));
                return Kept.All;
            default:
                return Kept.All;
        }
    }

    /// <summary>
    /// Entry i survives when |x_i| (as float bits) is above Threshold, or equal to it while ties
    /// are left; chunk c may keep TiesToKeep − (ties in earlier chunks) of them.
    /// </summary>
    private readonly struct Kept
    {
        public static readonly Kept All = new(0, long.MaxValue, null);

        private readonly long _tiesToKeep;
        private readonly long[]? _tiesBefore;

        public Kept(uint threshold, long tiesToKeep, long[]? tiesBefore)
        {
            Threshold = threshold;
            _tiesToKeep = tiesToKeep;
            _tiesBefore = tiesBefore;
        }

        public uint Threshold { get; }

        public bool IsAll => _tiesBefore is null && _tiesToKeep == long.MaxValue;

        public long TiesLeft(int chunk) => _tiesBefore is null ? _tiesToKeep : _tiesToKeep - _tiesBefore[chunk];
    }

    private static void AddRange(float[] work, float[] result, int start, int end) =>
        VectorKernels.Axpy(1f, new ReadOnlySpan<float>(work, start, end - start), new Span<float>(result, start, end - start));

    [MethodImpl(ParallelChunks.Hot)]
    private static void AddKept(float[] work, uint threshold, long tiesLeft, float[] result, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            uint bits = MagnitudeTrim.AbsBits(work[i]);
            if (bits < threshold) continue;
            if (bits == threshold && tiesLeft-- <= 0) continue;
            result[i] += work[i];
        }
    }

    [MethodImpl(ParallelChunks.Hot)]
    private static void AddSignsKept(float[] work, uint threshold, long tiesLeft, float[] result, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            uint bits = MagnitudeTrim.AbsBits(work[i]);
            if (bits < threshold) continue;
            if (bits == threshold && tiesLeft-- <= 0) continue;
            float v = work[i];
            result[i] += v > 0 ? 1f : v < 0 ? -1f : 0f;
        }
    }

    [MethodImpl(ParallelChunks.Hot)]
    private static void Elect(float[] votes, sbyte[] elected, int start, int end)
    {
        for (int i = start; i < end; i++) elected[i] = votes[i] >= 0 ? (sbyte)1 : (sbyte)-1;
    }

    [MethodImpl(ParallelChunks.Hot)]
    private static void AddAgreeingKept(float[] work, uint threshold, long tiesLeft, sbyte[] elected, float[] result, ushort[] agreeing, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            uint bits = MagnitudeTrim.AbsBits(work[i]);
            if (bits < threshold) continue;
            if (bits == threshold && tiesLeft-- <= 0) continue;
            float v = work[i];
            if (v > 0 ? elected[i] > 0 : v < 0 && elected[i] < 0)
            {
                result[i] += v;
                agreeing[i]++;
            }
        }
    }

    [MethodImpl(ParallelChunks.Hot)]
    private static void Divide(float[] result, ushort[] agreeing, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            if (agreeing[i] > 1) result[i] /= agreeing[i];
        }
    }
}
