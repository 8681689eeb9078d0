using System.Collections.Generic;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.SafeTensors;

namespace LoraLego.Formats;

/// <summary>Tensor keys of one output module in the chosen format, in the order they are written.</summary>
internal sealed class OutputLayout
{
    private OutputLayout(OutputModule module, string aKey, string bKey, string? alphaKey)
    {
        Module = module;
        AKey = aKey;
        BKey = bKey;
        AlphaKey = alphaKey;
    }

    public OutputModule Module { get; }

    public string AKey { get; }

    public string BKey { get; }

    /// <summary>kohya's rank-0 alpha (F32, = rank so the scale is 1); null for PEFT.</summary>
    public string? AlphaKey { get; }

    public static OutputLayout For(OutputModule module, AdapterFormat format, string target)
    {
        switch (format)
        {
            case AdapterFormat.Peft:
                var stem = PeftReader.KeyPrefix + PeftName(module);
                return module.Kind == ModuleKind.Embedding
                    ? new OutputLayout(module, stem + ".lora_embedding_A", stem + ".lora_embedding_B", null)
                    : new OutputLayout(module, stem + ".lora_A.weight", stem + ".lora_B.weight", null);
            case AdapterFormat.Kohya:
                if (module.Kind == ModuleKind.Embedding)
                {
                    throw new AdapterException(AdapterErrorIds.OutputFormatNotSupported, LoraErrorCategory.InvalidArgument, target,
                        $"Module '{module.Name}' is an embedding LoRA; kohya files have no embedding modules. Write it as PEFT.", module.Name);
                }

                var name = Families.FamilyLayouts.KohyaName(module.Identity) ?? ModuleNames.ToKohya(module.Name);
                return new OutputLayout(module, name + ".lora_down.weight", name + ".lora_up.weight", name + ".alpha");
            default:
                throw new AdapterException(AdapterErrorIds.OutputFormatNotSupported, LoraErrorCategory.InvalidArgument, target,
                    $"Writing {format} adapters is not supported; write Peft or Kohya.");
        }
    }

    /// <summary>
    /// The module's name in a PEFT folder: PEFT names a layer inside its component (one component per
    /// folder, base_model.model.&lt;path&gt;); a module no layout recognises keeps its name.
    /// </summary>
    public static string PeftName(OutputModule module) => module.Identity.Family == ModelFamily.Unknown ? module.Name : module.Identity.Path;

    public IEnumerable<TensorSpec> Specs(SafeTensorDType dtype)
    {
        yield return new TensorSpec(AKey, dtype, Module.AShape);
        yield return new TensorSpec(BKey, dtype, Module.BShape);
        if (AlphaKey is not null) yield return new TensorSpec(AlphaKey, SafeTensorDType.F32, new long[0]);
    }
}
