using System.Collections.Generic;

namespace LoraLego.Formats.Families;

/// <summary>
/// The adaptable layers of a transformers CLIPTextModel (CLIP ViT-L, and OpenCLIP ViT-H / bigG as
/// diffusers and sd-scripts convert them): per encoder layer the four attention projections and the
/// two MLP layers; CLIPTextModelWithProjection adds text_projection.
/// </summary>
internal static class ClipTextLayout
{
    public static ComponentLayout Build(string component, string kohyaPrefix, int hidden, int intermediate, int layers, int projection = 0)
    {
        var list = new List<KeyValuePair<string, LayerShape>>();
        for (int i = 0; i < layers; i++)
        {
            var p = $"text_model.encoder.layers.{i}";
            foreach (var proj in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
                list.Add(new($"{p}.self_attn.{proj}", LayerShape.Linear(hidden, hidden)));
            list.Add(new($"{p}.mlp.fc1", LayerShape.Linear(hidden, intermediate)));
            list.Add(new($"{p}.mlp.fc2", LayerShape.Linear(intermediate, hidden)));
        }

        if (projection > 0) list.Add(new("text_projection", LayerShape.Linear(hidden, projection)));
        return new ComponentLayout(component, kohyaPrefix, list);
    }
}
