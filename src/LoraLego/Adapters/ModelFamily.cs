namespace LoraLego.Adapters;

/// <summary>
/// The base model an adapter was trained for. Modules of adapters of one family meet on their
/// <see cref="ModuleIdentity"/>; adapters of different families never merge.
/// </summary>
public enum ModelFamily
{
    /// <summary>Not recognised: module identity is the key as stored, and only files of the same key style meet.</summary>
    Unknown,

    /// <summary>A transformers model adapted as a whole (an LLM, a classifier): paths are the model's module names.</summary>
    Transformers,

    /// <summary>Stable Diffusion 1.x: UNet (cross-attention width 768) and CLIP ViT-L text encoder.</summary>
    StableDiffusion1,

    /// <summary>Stable Diffusion 2.x: UNet (cross-attention width 1024, linear projections) and OpenCLIP ViT-H text encoder.</summary>
    StableDiffusion2,

    /// <summary>SDXL: UNet (cross-attention width 2048), CLIP ViT-L (text_encoder) and OpenCLIP bigG (text_encoder_2).</summary>
    StableDiffusionXL,

    /// <summary>FLUX.1 (dev/schnell): the MM-DiT transformer in diffusers' split-layer naming, and its text encoders.</summary>
    Flux1,
}

/// <summary>The component names of a pipeline, as diffusers names them (prefixes of its LoRA keys).</summary>
public static class ModelComponent
{
    /// <summary>The model itself (transformers adapters): no prefix.</summary>
    public const string Model = "";

    public const string Unet = "unet";

    public const string TextEncoder = "text_encoder";

    public const string TextEncoder2 = "text_encoder_2";

    public const string Transformer = "transformer";
}
