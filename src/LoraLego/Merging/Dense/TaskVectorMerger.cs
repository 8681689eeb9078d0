using System;
using System.Runtime.CompilerServices;
using System.Threading;

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
/// whatever the number of sources.
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
                BuildTrimmed(tasks, t, recipe, seed, module, work, cuts);
                ParallelChunks.For(work.Length, (_, start, end) => AddRange(work, result, start, end));
            }

            return result;
        }

        // Pass 1: sign election. Total: sign of the sum; Frequency: sign of the count of signs.
        for (int t = 0; t < tasks.Count; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            BuildTrimmed(tasks, t, recipe, seed, module, work, cuts);
            if (recipe.Election == SignElection.Total)
            {
                ParallelChunks.For(work.Length, (_, start, end) => AddRange(work, result, start, end));
            }
            else
            {
                ParallelChunks.For(work.Length, (_, start, end) => AddSigns(work, result, start, end));
            }
        }

        // Ties (zero) go to +, as in PEFT (majority = +1 where the sign magnitude is >= 0).
        var elected = new sbyte[tasks.Length];
        ParallelChunks.For(elected.Length, (_, start, end) => Elect(result, elected, start, end));
        Array.Clear(result, 0, result.Length);

        // Pass 2: disjoint mean of the entries that agree with the elected sign; zeros never agree.
        var agreeing = new ushort[tasks.Length];
        for (int t = 0; t < tasks.Count; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            BuildTrimmed(tasks, t, recipe, seed, module, work, cuts);
            ParallelChunks.For(work.Length, (_, start, end) => AddAgreeing(work, elected, result, agreeing, start, end));
        }

        ParallelChunks.For(result.Length, (_, start, end) => Divide(result, agreeing, start, end));
        return result;
    }

    [MethodImpl(ParallelChunks.Hot)]
    private static void Elect(float[] votes, sbyte[] elected, int start, int end)
    {
        for (int i = start; i < end; i++) elected[i] = votes[i] >= 0 ? (sbyte)1 : (sbyte)-1;
    }

    private static void AddRange(float[] work, float[] result, int start, int end) =>
        VectorKernels.Axpy(1f, new ReadOnlySpan<float>(work, start, end - start), new Span<float>(result, start, end - start));

    [MethodImpl(ParallelChunks.Hot)]
    private static void AddSigns(float[] work, float[] result, int start, int end)
    {
        for (int i = start; i < end; i++) result[i] += Math.Sign(work[i]);
    }

    [MethodImpl(ParallelChunks.Hot)]
    private static void AddAgreeing(float[] work, sbyte[] elected, float[] result, ushort[] agreeing, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
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

    /// <param name="cuts">Magnitude cuts per task: found on the first build, reused on the second.</param>
    private static void BuildTrimmed(ITaskVectors tasks, int task, TaskVectorRecipe recipe, int seed, string module, float[] work, TrimCut?[] cuts)
    {
        tasks.Fill(task, work);
        switch (recipe.Trim)
        {
            case TrimKind.Magnitude:
                cuts[task] ??= MagnitudeTrim.Find(work, MagnitudeTrim.KeepCount(recipe.Density, work.Length));
                MagnitudeTrim.Apply(work, cuts[task]!.Value);
                break;
            case TrimKind.RandomDrop:
                RandomDrop.Apply(work, recipe.Density, SplitMixRandom.StreamSeed(seed, module, task));
                break;
        }
    }
}
