namespace LoraLego.Pipeline;

/// <summary>Reads structure out of module paths such as transformer.h.3.attn.c_attn.</summary>
public static class ModuleLayers
{
    /// <summary>
    /// The first all-digit component of the path ("3" in transformer.h.3.attn.c_attn and in
    /// model.layers.3.self_attn.q_proj; the block index in UNet paths), or null when there is none.
    /// kohya names use '_' as the separator, so both are accepted.
    /// </summary>
    public static string? LayerOf(string module)
    {
        foreach (var part in module.Split('.', '_'))
        {
            if (part.Length == 0) continue;
            bool digits = true;
            foreach (var c in part)
            {
                if (c < '0' || c > '9') { digits = false; break; }
            }

            if (digits) return part;
        }

        return null;
    }
}
