using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;

namespace LoraLego.Formats;

/// <summary>
/// One module of an adapter about to be written: its name (in the sources' naming), kind, widths and
/// the rank the producer will deliver. Known before any tensor data exists, so the header can be
/// written first and the modules streamed after it. <see cref="Alpha"/> and <see cref="Scale"/> are what
/// the written module should say: a merge writes scale 1 (alpha = rank, the unit scales folded into
/// the factors); a conversion keeps the source's alpha, so its factors are written as they were.
/// </summary>
public sealed class OutputModule
{
    public OutputModule(string name, ModuleKind kind, int inFeatures, int outFeatures, int rank, IReadOnlyList<long>? convInputShape = null, ModuleIdentity? identity = null,
        double? alpha = null, double? scale = null)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A module needs a name.", nameof(name));
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Module '{name}': widths must be positive ({outFeatures}×{inFeatures}).");
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), $"Module '{name}': rank must be positive, not {rank}.");
        if (identity is not null && !string.Equals(identity.Key, name, StringComparison.Ordinal))
            throw new ArgumentException($"Module '{name}': its identity's key is '{identity.Key}'.", nameof(identity));
        Name = name;
        Identity = identity ?? ModuleIdentity.Unrecognised(name);
        Kind = kind;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Rank = rank;
        Alpha = alpha ?? rank;
        Scale = scale ?? Alpha / rank;
        if (double.IsNaN(Alpha) || double.IsInfinity(Alpha) || Alpha == 0 || double.IsNaN(Scale) || double.IsInfinity(Scale) || Scale == 0)
            throw new ArgumentOutOfRangeException(nameof(alpha), $"Module '{name}': alpha {Alpha} and scale {Scale} must be finite and non-zero.");
        if (kind == ModuleKind.Conv)
        {
            // Without the kernel shape a conv module is written as a 1×1 kernel over the flattened input.
            var shape = convInputShape?.ToArray() ?? new long[] { inFeatures, 1, 1 };
            if (shape.Length < 2 || shape.Aggregate(1L, (p, d) => p * d) != inFeatures)
                throw new ArgumentException($"Module '{name}': conv input shape [{string.Join(", ", shape)}] does not flatten to {inFeatures}.", nameof(convInputShape));
            ConvInputShape = Array.AsReadOnly(shape);
        }
    }

    /// <summary>The module's identity key (see <see cref="LoraModule.Name"/>).</summary>
    public string Name { get; }

    /// <summary>The base-model layer: what each writer maps to its consumer's key names.</summary>
    public ModuleIdentity Identity { get; }

    public ModuleKind Kind { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public int Rank { get; }

    /// <summary>The alpha the source stated (rank when the module is written at scale 1).</summary>
    public double Alpha { get; }

    /// <summary>
    /// The scale the written module should have: Alpha/Rank, or Alpha/√Rank for an rsLoRA source. Each
    /// writer stores it in its consumer's terms and folds only what those cannot state into the factors.
    /// </summary>
    public double Scale { get; }

    /// <summary>Conv only: A's dimensions after the rank ([in, kh, kw]); null otherwise.</summary>
    public IReadOnlyList<long>? ConvInputShape { get; }

    /// <summary>A's shape as stored: [r, in] or [r, in, kh, kw].</summary>
    public long[] AShape => Kind == ModuleKind.Conv
        ? new long[] { Rank }.Concat(ConvInputShape!).ToArray()
        : new long[] { Rank, InFeatures };

    /// <summary>B's shape as stored: [out, r] or [out, r, 1, 1].</summary>
    public long[] BShape => Kind == ModuleKind.Conv
        ? new long[] { OutFeatures, Rank }.Concat(Enumerable.Repeat(1L, ConvInputShape!.Count - 1)).ToArray()
        : new long[] { OutFeatures, Rank };

    /// <summary>A module shaped like <paramref name="source"/> (same name, kind, widths, kernel) at another rank, written at scale 1.</summary>
    public static OutputModule Like(LoraModule source, int rank) =>
        new(source.Name, source.Kind, source.InFeatures, source.OutFeatures, rank,
            source.Kind == ModuleKind.Conv ? source.AShape.Skip(1).ToArray() : null, source.Identity);

    /// <summary>
    /// <paramref name="source"/> as it is: same rank, alpha and scale, so a writer that can state the
    /// scale stores the source's factors unchanged (its units must come with the source's scale).
    /// </summary>
    public static OutputModule Preserving(LoraModule source) =>
        new(source.Name, source.Kind, source.InFeatures, source.OutFeatures, source.Rank,
            source.Kind == ModuleKind.Conv ? source.AShape.Skip(1).ToArray() : null, source.Identity, source.Alpha, source.Scale);

    public override string ToString() => $"{Name} [{OutFeatures}×{InFeatures}] r={Rank}";
}
