namespace LoraLego.Merging;

/// <summary>How KnOTS combines the per-source blocks V_i of the shared basis.</summary>
public enum KnotsMerge
{
    /// <summary>Task arithmetic: Σ V_i. With no rank reduction this is exactly the sum of the deltas.</summary>
    Ta,

    /// <summary>TIES on the V_i: magnitude trim to Density, sign election, disjoint mean.</summary>
    Ties,
}
