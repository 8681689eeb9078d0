using System.Collections.Generic;
using LoraLego.SafeTensors;

namespace LoraLego.Adapters;

/// <summary>
/// A tensor of an adapter file that is not a LoRA factor (a modules_to_save head such as
/// score.weight, a lora_B bias, a DoRA magnitude vector, ...). Shown, never silently dropped.
/// </summary>
public sealed class ExtraTensor
{
    internal ExtraTensor(LoraAdapter adapter, TensorInfo info)
    {
        Adapter = adapter;
        Info = info;
        Shape = info.Shape;
    }

    public LoraAdapter Adapter { get; }

    /// <summary>The tensor's key as in the file.</summary>
    public string Name => Info.Name;

    public string DType => Info.DType.ToString();

    public IReadOnlyList<long> Shape { get; }

    public long SizeBytes => Info.DataEnd - Info.DataBegin;

    internal TensorInfo Info { get; }

    /// <summary>The tensor's bytes exactly as stored (little-endian, its own dtype).</summary>
    public byte[] ReadRaw() => Adapter.TensorFile.ReadRaw(Info);

    public override string ToString() => $"{Name} {DType}[{string.Join(",", Shape)}]";
}
