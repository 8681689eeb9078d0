using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;

namespace LoraLego.Formats;

/// <summary>
/// One module of an adapter about to be written: its name (in the sources' naming), kind, widths and
/// the rank the producer will deliver. Known before any tensor data exists, so the header can be
/// written first and the modules streamed after it.
/// </summary>
public sealed class OutputModule
{
    public OutputModule(string name, ModuleKind kind, int inFeatures, int outFeatures, int rank, IReadOnlyList<long>? convInputShape = null, ModuleIdentity? identity = null)
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

    /// <summary>A module shaped like <paramref name="source"/> (same name, kind, widths, kernel) at another rank.</summary>
    public static OutputModule Like(LoraModule source, int rank) =>
        new(source.Name, source.Kind, source.InFeatures, source.OutFeatures, rank,
            source.Kind == ModuleKind.Conv ? source.AShape.Skip(1).ToArray() : null, source.Identity);

    public override string ToString() => $"{Name} [{OutFeatures}×{InFeatures}] r={Rank}";
}
