using System.Threading;
using LoraLego.Clustering;
using LoraLego.Linalg;
using LoraLego.Merging.Dense;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// The PEFT "*_svd" family (ties, dare, dare_ties, magnitude_prune): each source's dense ΔW_i is
/// built one module at a time, the task vectors are trimmed and combined entry-wise, and the
/// result is reduced to the target rank with a seeded randomised truncated SVD. Output units have
/// scale 1 with √σ on both factors.
/// Differences from PEFT, on purpose: user weights are already folded into each source's scale
/// before trimming and sign election (PEFT elects signs on unweighted trimmed deltas and applies
/// weights after, which only differs for unequal or negative weights); no quantile clamping of the
/// factors; the SVD is randomised (2 power iterations, oversampling 10) instead of a full SVD.
/// </summary>
public abstract class TaskVectorMethod : IMergeMethod
{
    public abstract string Name { get; }

    private protected abstract TaskVectorRecipe Recipe(MergeOptions options);

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        int rank = MergeInputChecks.Rank(input, options);
        float[] merged = MergeDense(input, options, cancellationToken);
        ulong sketchSeed = SplitMix64.StreamSeed(options.Seed, input.Module, SketchStream);
        var svd = RandomizedSvd.Compute(merged, input.OutFeatures, input.InFeatures, rank, sketchSeed, cancellationToken: cancellationToken);
        return UnitBlockOps.FromSvd(svd, rank);
    }

    /// <summary>The merged dense delta before the rank reduction (OutFeatures × InFeatures, row-major).</summary>
    internal float[] MergeDense(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        MergeInputChecks.Sources(input);
        MergeInputChecks.Density(input, options);
        MergeInputChecks.DenseSize(input);
        var deltas = new DenseDeltas(input.Sources, input.OutFeatures, input.InFeatures);
        return TaskVectorMerger.Merge(deltas, Recipe(options), options.Seed, input.Module, cancellationToken);
    }

    /// <summary>Random stream of the SVD sketch; task streams use the source index, so this one is negative.</summary>
    internal const int SketchStream = -1;
}
