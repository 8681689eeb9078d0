using System;
using System.Collections.Generic;

namespace LoraLego.Formats.Families;

/// <summary>
/// One pipeline component of a model family (a UNet, a text encoder, a transformer): every layer a
/// LoRA can adapt, by its path in the diffusers / transformers model, with its shape; the original
/// (SGM/LDM) name of each layer where the component has one; and the kohya prefix of its keys.
/// </summary>
public sealed class ComponentLayout
{
    private readonly Dictionary<string, LayerShape> _layers;
    private readonly Dictionary<string, string> _originalNames;
    private readonly Dictionary<string, string> _byOriginalName;

    public ComponentLayout(string component, string kohyaPrefix, IEnumerable<KeyValuePair<string, LayerShape>> layers,
        IEnumerable<KeyValuePair<string, string>>? originalNames = null, bool kohyaUsesOriginalNames = false)
    {
        Component = component ?? throw new ArgumentNullException(nameof(component));
        KohyaPrefix = kohyaPrefix ?? throw new ArgumentNullException(nameof(kohyaPrefix));
        _layers = new Dictionary<string, LayerShape>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var kv in layers)
        {
            _layers.Add(kv.Key, kv.Value);
            order.Add(kv.Key);
        }

        Paths = order.AsReadOnly();
        _originalNames = new Dictionary<string, string>(StringComparer.Ordinal);
        _byOriginalName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in originalNames ?? Array.Empty<KeyValuePair<string, string>>())
        {
            if (!_layers.ContainsKey(kv.Key)) throw new ArgumentException($"Original name '{kv.Value}' maps to '{kv.Key}', which is not a layer of {component}.", nameof(originalNames));
            _originalNames.Add(kv.Key, kv.Value);
            _byOriginalName.Add(kv.Value, kv.Key);
        }

        KohyaUsesOriginalNames = kohyaUsesOriginalNames;
    }

    /// <summary>unet, text_encoder, text_encoder_2, transformer.</summary>
    public string Component { get; }

    /// <summary>The kohya key prefix without its trailing underscore: lora_unet, lora_te, lora_te1, lora_te2.</summary>
    public string KohyaPrefix { get; }

    /// <summary>True when kohya (sd-scripts, ComfyUI) names this component's layers by their original names (SDXL's input_blocks...).</summary>
    public bool KohyaUsesOriginalNames { get; }

    /// <summary>Every adaptable layer's diffusers / transformers path, in model order.</summary>
    public IReadOnlyList<string> Paths { get; }

    public IReadOnlyDictionary<string, LayerShape> Layers => _layers;

    public bool Contains(string path) => _layers.ContainsKey(path);

    public LayerShape? ShapeOf(string path) => _layers.TryGetValue(path, out var s) ? s : null;

    /// <summary>The layer's original (SGM/LDM) path, or null where the component has none for it.</summary>
    public string? OriginalName(string path) => _originalNames.TryGetValue(path, out var o) ? o : null;

    /// <summary>The diffusers path of an original (SGM/LDM) layer path, or null.</summary>
    public string? FromOriginalName(string originalPath) => _byOriginalName.TryGetValue(originalPath, out var p) ? p : null;

    /// <summary>All (diffusers path, original path) pairs.</summary>
    public IEnumerable<KeyValuePair<string, string>> OriginalNames => _originalNames;
}
