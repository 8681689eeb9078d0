using System;
using System.Threading;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// TSV-M, Task Singular Vectors: Merge (Gargiulo et al., CVPR 2025). Each source keeps its top
/// ⌊f·min(d_out, d_in)⌋ singular triplets (f = <see cref="MergeOptions.TaskFraction"/>, default 1/T, as in
/// the reference code; at least one, at most the source's rank); the kept U's and V's of all sources
/// are concatenated and decorrelated by their orthonormal polar factors, and the module is rebuilt as
/// Σ_j σ_j ū_j v̄_jᵀ with each triplet's own σ_j. The paper's α is the sources' weights here (1 by default).
/// Every step runs on the factors: a source's SVD is the factored SVD of its own units, the polar
/// factors come from a QR of d × K and an SVD of K × K, nothing of size d_out × d_in is formed.
/// Output rank: <see cref="MergeOptions.Rank"/> (the rebuilt sum cut to its top triplets), by default
/// all kept triplets.
/// </summary>
public sealed class TsvMethod : IMergeMethod
{
    public const string MethodName = "TsvM";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        ModuleInputChecks.Validate(input);
        if (options is null) throw new ArgumentNullException(nameof(options));
        double fraction = options.TaskFraction ?? 1.0 / input.Sources.Count;
        ModuleInputChecks.Fraction(input, nameof(MergeOptions.TaskFraction), fraction, allowZero: false);

        // The small epsilon keeps f·D from flooring to D/T − 1 when f = 1/T is not exact in binary.
        int keep = Math.Max(1, (int)Math.Floor((fraction * Math.Min(input.OutFeatures, input.InFeatures)) + 1e-9));
        var triplets = new SingularTriplets();
        foreach (var source in input.Sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            triplets.Add(SingularTriplets.OfSource(source, keep));
        }

        int rank = ModuleInputChecks.RankOrDefault(input, options, Math.Max(1, triplets.Count));
        cancellationToken.ThrowIfCancellationRequested();
        return UnitBlockOps.FromSvd(triplets.Decorrelated(triplets.Sigma, input.InFeatures, input.OutFeatures, rank));
    }
}
