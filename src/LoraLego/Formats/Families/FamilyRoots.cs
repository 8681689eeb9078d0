using System;

namespace LoraLego.Formats.Families;

/// <summary>
/// The first segment of every layer path of the known families (checked against the built layouts in
/// the tests). Kept apart from the layouts so that asking "could this path be a layer of any family?"
/// builds and compiles nothing of them: a language model's PEFT adapter never touches the layouts.
/// </summary>
internal static class FamilyRoots
{
    /// <summary>SD 1.x, 2.x and SDXL UNets and their CLIP text encoders.</summary>
    public static readonly string[] StableDiffusion = { "conv_in", "time_embedding", "add_embedding", "down_blocks", "mid_block", "up_blocks", "conv_out", "text_model", "text_projection" };

    /// <summary>The Flux transformer (diffusers paths), CLIP-L and T5.</summary>
    public static readonly string[] Flux =
    {
        "transformer_blocks", "single_transformer_blocks", "x_embedder", "context_embedder", "time_text_embed", "norm_out", "proj_out",
        "text_model", "encoder",
    };

    /// <summary>True when <paramref name="path"/>'s first segment starts a layer path of some known family.</summary>
    public static bool MayBeLayer(string path)
    {
        string first = FirstSegment(path);
        return Array.IndexOf(StableDiffusion, first) >= 0 || Array.IndexOf(Flux, first) >= 0;
    }

    /// <summary>The path up to its first dot (the whole path when it has none).</summary>
    public static string FirstSegment(string path)
    {
        int dot = path.IndexOf('.');
        return dot < 0 ? path : path.Substring(0, dot);
    }
}
