using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Threading;
using LoraLego.Diagnostics;

namespace LoraLego.Pipeline;

/// <summary>
/// Finds NaN and ±Inf in what a merge would use: each pooled unit's a and b (the row of lora_A and
/// the column of lora_B it came from, or a computed unit's own vectors) and its scale (a kohya alpha
/// tensor can hold a NaN). One NaN spreads to every value of a merged module, so Merge-LoraAdapter
/// refuses such input (ErrorId <see cref="ErrorId"/>) unless forced.
/// </summary>
public static class NonFiniteWeights
{
    public const string ErrorId = "NonFiniteWeights";

    /// <summary>One finding per (adapter, module, tensor) with non-finite values among the pooled units.</summary>
    public static IReadOnlyList<NonFiniteFinding> Scan(ModulePool pool, CancellationToken cancellationToken = default)
    {
        var findings = new Dictionary<(string Adapter, string Tensor), NonFiniteFinding>();
        void Note(string adapter, string tensor, string position, double value)
        {
            if (findings.TryGetValue((adapter, tensor), out var seen)) seen.Count++;
            else findings[(adapter, tensor)] = new NonFiniteFinding(adapter, pool.Module, tensor, position, value);
        }

        foreach (var unit in pool.Units)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var source = unit.Source;
            var block = source is null ? null : ModuleFactorCache.Read(source);
            var a = unit.SpanA(block);
            var b = unit.SpanB(block);

            // Nearly every unit is all finite, which one vectorised pass over the bits shows; only a
            // unit that is not is walked value by value to say where.
            if (IsFinite(unit.Scale) && AllFinite(a) && AllFinite(b)) continue;
            if (!IsFinite(unit.Scale))
                Note(unit.Adapter, source?.AlphaKey ?? (source is null ? $"unit {unit.Index} scale" : "alpha"), $"unit {unit.Index}", unit.Scale);
            for (int k = 0; k < a.Length; k++)
            {
                // lora_A is [rank, in]: unit i is row i.
                if (!IsFinite(a[k])) Note(unit.Adapter, source?.AKey ?? $"unit {unit.Index} a", Position(unit.Index, k), a[k]);
            }

            for (int o = 0; o < b.Length; o++)
            {
                // lora_B is [out, rank]: unit i is column i.
                if (!IsFinite(b[o])) Note(unit.Adapter, source?.BKey ?? $"unit {unit.Index} b", Position(o, unit.Index), b[o]);
            }
        }

        return findings.Values.OrderBy(f => f.Adapter, StringComparer.Ordinal).ThenBy(f => f.Tensor, StringComparer.Ordinal).ToList();
    }

    /// <summary>The refusal: names every module and tensor (the first few when there are many).</summary>
    public static LoraLegoException Error(IReadOnlyList<NonFiniteFinding> findings, string target)
    {
        var shown = string.Join("; ", findings.Take(8));
        var more = findings.Count > 8 ? $"; and {findings.Count - 8} more" : string.Empty;
        return new LoraLegoException(ErrorId, LoraErrorCategory.InvalidData, findings[0].Module,
            $"Nothing was written to {target}: the input holds NaN or infinite weights, which would make the merged modules NaN: {shown}{more}. Pass -Force to merge anyway.");
    }

    /// <summary>-Force with a method other than Concat: NaN/Inf cannot go through a decomposition, so nothing is written.</summary>
    public static LoraLegoException ForcedWithMethod(IReadOnlyList<NonFiniteFinding> findings, string target, string method) =>
        new(ErrorId, LoraErrorCategory.InvalidData, findings[0].Module,
            $"Nothing was written to {target}: -Force merges NaN or infinite weights only with -Method Concat (the exact sum carries them through); {method} decomposes the inputs, which non-finite values make impossible ({findings[0]}). Fix the inputs, or pass -Method Concat -Force.");

    private static string Position(int row, int column) => string.Format(CultureInfo.InvariantCulture, "[{0}, {1}]", row, column);

    private static bool IsFinite(double x) => !double.IsNaN(x) && !double.IsInfinity(x);

    /// <summary>No NaN or ±Inf in <paramref name="values"/>: none has all exponent bits set.</summary>
    internal static bool AllFinite(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, int>(values);
        var exponent = new Vector<int>(0x7F800000);
        var lanes = MemoryMarshal.Cast<int, Vector<int>>(bits);
        foreach (var lane in lanes)
        {
            if (Vector.EqualsAny(lane & exponent, exponent)) return false;
        }

        for (int i = lanes.Length * Vector<int>.Count; i < bits.Length; i++)
        {
            if ((bits[i] & 0x7F800000) == 0x7F800000) return false;
        }

        return true;
    }
}

/// <summary>Non-finite values found in one tensor of one adapter's module.</summary>
public sealed class NonFiniteFinding
{
    internal NonFiniteFinding(string adapter, string module, string tensor, string firstPosition, double firstValue)
    {
        Adapter = adapter;
        Module = module;
        Tensor = tensor;
        FirstPosition = firstPosition;
        FirstValue = firstValue;
        Count = 1;
    }

    public string Adapter { get; }

    public string Module { get; }

    /// <summary>The tensor key in the adapter's file (or "unit i a/b/scale" for a computed unit).</summary>
    public string Tensor { get; }

    /// <summary>Element index of the first non-finite value, e.g. "[0, 5]".</summary>
    public string FirstPosition { get; }

    public double FirstValue { get; }

    /// <summary>How many non-finite values the pooled units hold in this tensor.</summary>
    public int Count { get; internal set; }

    public override string ToString() =>
        string.Format(CultureInfo.InvariantCulture, "adapter '{0}', module '{1}', tensor '{2}': {3} non-finite value(s), first {4} at {5}",
            Adapter, Module, Tensor, Count, FirstValue, FirstPosition);
}
