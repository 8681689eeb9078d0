namespace LoraLego.Units;

/// <summary>Where a pooled unit came from: the source adapter's index (input order) and the unit's index in that source's module.</summary>
public readonly struct UnitRef : System.IEquatable<UnitRef>
{
    public UnitRef(int sourceIndex, int unitIndex)
    {
        SourceIndex = sourceIndex;
        UnitIndex = unitIndex;
    }

    public int SourceIndex { get; }

    public int UnitIndex { get; }

    public bool Equals(UnitRef other) => SourceIndex == other.SourceIndex && UnitIndex == other.UnitIndex;

    public override bool Equals(object? obj) => obj is UnitRef other && Equals(other);

    public override int GetHashCode() => (SourceIndex * 397) ^ UnitIndex;

    public override string ToString() => $"{SourceIndex}:{UnitIndex}";
}
