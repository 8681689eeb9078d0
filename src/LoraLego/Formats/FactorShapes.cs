using System.Linq;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>Checks that a module's two factors fit together and tells which kind of layer they adapt.</summary>
internal static class FactorShapes
{
    public static ModuleKind Classify(string file, string module, TensorInfo a, TensorInfo b, bool embedding)
    {
        CheckDType(file, module, a);
        CheckDType(file, module, b);
        int ra = a.Shape.Count, rb = b.Shape.Count;
        ModuleKind kind;
        if (ra == 2 && rb == 2) kind = embedding ? ModuleKind.Embedding : ModuleKind.Linear;
        else if (!embedding && ra >= 3 && rb == ra && b.Shape.Skip(2).All(d => d == 1)) kind = ModuleKind.Conv;
        else throw Mismatch(file, module, $"factor shapes do not form a LoRA pair: {a.Name} is [{Dims(a)}], {b.Name} is [{Dims(b)}]");

        long rankA = a.Shape[0], rankB = b.Shape[1];
        if (rankA != rankB) throw Mismatch(file, module, $"A and B disagree on the rank: {a.Name} [{Dims(a)}] has rank {rankA}, {b.Name} [{Dims(b)}] has rank {rankB}");
        if (rankA == 0) throw Mismatch(file, module, $"rank 0 ({a.Name} is [{Dims(a)}])");
        long inFeatures = a.Shape.Skip(1).Aggregate(1L, (p, d) => p * d);
        if (inFeatures > int.MaxValue || b.Shape[0] > int.MaxValue || rankA > int.MaxValue)
            throw Mismatch(file, module, $"factors too large ({a.Name} [{Dims(a)}], {b.Name} [{Dims(b)}])");
        return kind;
    }

    public static string Dims(TensorInfo t) => string.Join(", ", t.Shape);

    internal static void CheckDType(string file, string module, TensorInfo t)
    {
        if (t.DType is SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.F64) return;
        throw new AdapterException(AdapterErrorIds.LoraDTypeNotSupported, LoraErrorCategory.InvalidData, file,
            $"{file}: module '{module}': tensor {t.Name} is {t.DType}; LoRA factors must be F32, F16, BF16 or F64.", module);
    }

    private static AdapterException Mismatch(string file, string module, string what) =>
        new(AdapterErrorIds.LoraShapeMismatch, LoraErrorCategory.InvalidData, file, $"{file}: module '{module}': {what}.", module);
}
