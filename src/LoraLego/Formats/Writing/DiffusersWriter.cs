using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LoraLego.Adapters;

namespace LoraLego.Formats.Writing;

/// <summary>
/// One diffusers file for <c>pipeline.load_lora_weights</c>, as <c>save_lora_weights</c> writes it:
/// <c>&lt;component&gt;.&lt;path&gt;.lora_A.weight</c> / <c>lora_B.weight</c> (unet, text_encoder,
/// text_encoder_2, transformer) and <c>__metadata__["lora_adapter_metadata"]</c>, the JSON of each
/// component's LoraConfig with every key prefixed by the component (<c>unet.r</c>, <c>unet.lora_alpha</c>,
/// <c>unet.rank_pattern</c>, ...), sorted and indented by 2. diffusers builds each component's
/// LoraConfig from those keys, so the alphas are exact.
/// </summary>
internal sealed class DiffusersWriter : ConsumerWriter
{
    public const string AdapterMetadataKey = "lora_adapter_metadata";

    private static readonly string[] Components = { ModelComponent.Unet, ModelComponent.TextEncoder, ModelComponent.TextEncoder2, ModelComponent.Transformer };

    private readonly SortedDictionary<string, LoraConfigFields> _byComponent = new(StringComparer.Ordinal);

    public override AdapterFormat Format => AdapterFormat.Diffusers;

    public override IReadOnlyList<WrittenModule> Layout(IReadOnlyList<OutputModule> modules, AdapterWriteOptions options, string target)
    {
        var placed = modules.Select(m => (Module: m, Place: Place(m, target))).ToList();
        foreach (var group in placed.GroupBy(p => p.Place.Component, StringComparer.Ordinal))
            _byComponent[group.Key] = LoraConfigFields.For(group.Select(p => (p.Module, p.Place.Path)).ToList(), target);

        return placed.Select(p =>
        {
            var stem = p.Place.Component + "." + p.Place.Path;
            return new WrittenModule(p.Module, stem + ".lora_A.weight", stem + ".lora_B.weight", null, _byComponent[p.Place.Component].StatedScaleOf(p.Module));
        }).ToList();
    }

    public override void AddMetadata(IDictionary<string, string> metadata, IReadOnlyList<WrittenModule> modules, AdapterWriteOptions options)
    {
        var fields = new List<(string Name, JsonField Field)>();
        foreach (var kv in _byComponent)
        {
            var own = new List<JsonField>(kv.Value.Fields())
            {
                JsonField.String("bias", "none"),
                JsonField.Bool("init_lora_weights", true),
                JsonField.Number("lora_dropout", 0.0),
                JsonField.Bool("use_dora", false),
            };
            fields.AddRange(own.Select(f => (kv.Key + "." + f.Name, f)));
        }

        // json.dumps(metadata, indent=2, sort_keys=True), as diffusers writes it.
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            foreach (var (name, field) in fields.OrderBy(f => f.Name, StringComparer.Ordinal)) field.Write(json, name);
            json.WriteEndObject();
        }

        metadata[AdapterMetadataKey] = Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n");
    }

    /// <summary>The component and the path inside it: the identity's, or a stored name that starts with a component prefix.</summary>
    private (string Component, string Path) Place(OutputModule m, string target)
    {
        if (m.Kind == ModuleKind.Embedding)
            throw Unmapped(m, target, "it is an embedding LoRA; diffusers pipelines load LoRA into linear and conv layers only. Write it as Peft.");
        var id = m.Identity;
        if (id.Family == ModelFamily.Transformers)
            throw Unmapped(m, target, "diffusers files are for diffusion pipelines; write a transformers model's adapter as Peft.");
        if (id.Family != ModelFamily.Unknown)
        {
            if (!Components.Contains(id.Component, StringComparer.Ordinal))
                throw Unmapped(m, target, $"diffusers has no prefix for component '{id.Component}'.");
            return (id.Component, id.Path);
        }

        foreach (var c in Components.OrderByDescending(c => c.Length))
        {
            if (m.Name.StartsWith(c + ".", StringComparison.Ordinal) && m.Name.Length > c.Length + 1) return (c, m.Name.Substring(c.Length + 1));
        }

        throw Unmapped(m, target, "its layer is not recognised as one of a known pipeline (SD 1.x/2.x, SDXL, Flux), so it has no component prefix. Write it as Peft.");
    }
}
