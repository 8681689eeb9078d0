using System.Threading;
using LoraLego.Units;

namespace LoraLego.Merging;

/// <summary>
/// Exact sum Σ_i s_i B_i A_i as one LoRA of rank Σ r_i: every source's units with their scales folded in
/// (concatenation–summation equivalence). <see cref="MergeOptions.Rank"/> is ignored: the rank is the pool size.
/// </summary>
public sealed class ConcatMethod : IMergeMethod
{
    public const string MethodName = "Concat";

    public string Name => MethodName;

    public UnitBlock Merge(ModuleMergeInput input, MergeOptions options, CancellationToken cancellationToken)
    {
        ModuleInputChecks.Validate(input);
        cancellationToken.ThrowIfCancellationRequested();
        // Concatenating first and folding the new block in place copies each vector once (folding each
        // source first copied it twice); every value is the same (float)(x·√|s|) either way.
        return UnitBlockOps.FoldScales(UnitBlockOps.Concatenate(input.Sources), inPlace: true);
    }
}
