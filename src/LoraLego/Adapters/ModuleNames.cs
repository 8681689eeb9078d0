using System;
using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Adapters;

/// <summary>Naming conventions shared by readers (leaf names).</summary>
public static class ModuleNames
{
    // kohya flattens "attn1.to_out.0" into "attn1_to_out_0", so a leaf is rebuilt from tokens:
    // short words that only make sense with their neighbour (to_q, q_proj, proj_out, to_out_0).
    private static readonly HashSet<string> JoinWithPrevious = new(StringComparer.Ordinal) { "q", "k", "v", "out", "in", "proj", "shortcut" };

    /// <summary>The layer's own name: the last dotted segment, with its parent when it is an index (to_out.0).</summary>
    public static string Leaf(string module, AdapterFormat format)
    {
        if (format == AdapterFormat.Kohya && module.IndexOf('.') < 0) return KohyaLeaf(module);
        var parts = module.Split('.');
        int n = parts.Length;
        if (n >= 2 && parts[n - 1].All(char.IsDigit)) return parts[n - 2] + "." + parts[n - 1];
        return parts[n - 1];
    }

    private static string KohyaLeaf(string module)
    {
        var tokens = module.Split('_');
        int start = tokens.Length - 1;
        while (start > 0)
        {
            bool single = start == tokens.Length - 1;
            bool join = tokens[start].All(char.IsDigit)
                || (single && JoinWithPrevious.Contains(tokens[start]))
                || tokens[start - 1] == "to";
            if (!join) break;
            start--;
        }

        return string.Join("_", tokens.Skip(start));
    }
}
