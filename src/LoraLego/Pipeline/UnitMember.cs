namespace LoraLego.Pipeline;

/// <summary>Where a clustered unit came from: an adapter's module and the unit's index in it.</summary>
public sealed class UnitMember
{
    public UnitMember(string adapter, string module, int index)
    {
        Adapter = adapter;
        Module = module;
        Index = index;
    }

    public string Adapter { get; }

    public string Module { get; }

    public int Index { get; }

    public override string ToString() => $"{Adapter}#{Index}";
}
