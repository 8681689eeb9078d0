using System.Collections.Generic;

namespace LoraLego.SafeTensors;

/// <summary>One tensor entry of a validated header. Offsets are relative to the data buffer, end exclusive.</summary>
public sealed class TensorInfo
{
    internal TensorInfo(string name, SafeTensorDType dtype, long[] shape, long dataBegin, long dataEnd, long elementCount)
    {
        Name = name;
        DType = dtype;
        Shape = System.Array.AsReadOnly(shape);
        DataBegin = dataBegin;
        DataEnd = dataEnd;
        ElementCount = elementCount;
    }

    public string Name { get; }

    public SafeTensorDType DType { get; }

    public IReadOnlyList<long> Shape { get; }

    public long DataBegin { get; }

    public long DataEnd { get; }

    public long ElementCount { get; }

    public long ByteLength => DataEnd - DataBegin;

    public override string ToString() => $"{Name} {DType}[{string.Join(", ", Shape)}]";
}
