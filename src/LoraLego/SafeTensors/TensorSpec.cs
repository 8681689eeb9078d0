using System;
using System.Collections.Generic;

namespace LoraLego.SafeTensors;

/// <summary>What the writer will lay out for one tensor: name, dtype and shape. Immutable.</summary>
public sealed class TensorSpec
{
    public TensorSpec(string name, SafeTensorDType dtype, long[] shape)
    {
        Name = name ?? throw new ArgumentNullException(nameof(name));
        DType = dtype;
        Shape = Array.AsReadOnly((long[])(shape ?? throw new ArgumentNullException(nameof(shape))).Clone());
    }

    public string Name { get; }

    public SafeTensorDType DType { get; }

    public IReadOnlyList<long> Shape { get; }

    public override string ToString() => $"{Name} {DType}[{string.Join(", ", Shape)}]";
}
