namespace LoraLego.Adapters;

/// <summary>
/// The kind of network a module was trained as. Whatever the kind, the module is read as
/// ΔW = Scale · B · A (exactly) and splits into rank-1 units like any LoRA.
/// </summary>
public enum NetworkType
{
    /// <summary>A stored down/up pair (A, B) on a linear or embedding layer.</summary>
    Lora,

    /// <summary>A down/up pair on a conv layer, optionally with a Tucker core (lora_mid) folded into A.</summary>
    LoCon,

    /// <summary>LyCORIS LoHa: (w1a·w1b) ⊙ (w2a·w2b), read as a LoRA of rank r1·r2.</summary>
    LoHa,

    /// <summary>LyCORIS LoKr: kron(w1, w2), read as a LoRA of rank rank(w1)·rank(w2).</summary>
    LoKr,
}
