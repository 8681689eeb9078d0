using System.Collections.Generic;

namespace LoraLego.Bench.LanguageModel.Model;

/// <summary>Shape of the byte-level decoder: width, depth, heads, context; the MLP is 4× wide.</summary>
internal sealed record ModelConfig(int Dim, int Layers, int Heads, int Context)
{
    public const int Vocab = 256;

    public int Hidden => 4 * Dim;

    /// <summary>The LoRA targets of one block, as (leaf name, in, out): attention q, k, v, o and both MLP layers.</summary>
    public IEnumerable<(string Leaf, int In, int Out)> Projections()
    {
        yield return ("self_attn.q_proj", Dim, Dim);
        yield return ("self_attn.k_proj", Dim, Dim);
        yield return ("self_attn.v_proj", Dim, Dim);
        yield return ("self_attn.o_proj", Dim, Dim);
        yield return ("mlp.fc1", Dim, Hidden);
        yield return ("mlp.fc2", Hidden, Dim);
    }

    /// <summary>Every LoRA-targeted linear layer with its PEFT-style module name.</summary>
    public IEnumerable<(string Name, int In, int Out)> TargetModules()
    {
        for (int l = 0; l < Layers; l++)
            foreach (var (leaf, i, o) in Projections()) yield return (ModuleName(l, leaf), i, o);
    }

    public static string ModuleName(int layer, string leaf) => $"model.layers.{layer}.{leaf}";
}
