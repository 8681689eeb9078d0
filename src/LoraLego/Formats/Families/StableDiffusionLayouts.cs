using LoraLego.Adapters;

namespace LoraLego.Formats.Families;

/// <summary>
/// The Stable Diffusion families, from the configs diffusers ships for them: SD 1.x
/// (runwayml/stable-diffusion-v1-5), SD 2.x (stabilityai/stable-diffusion-2-1), SDXL
/// (stabilityai/stable-diffusion-xl-base-1.0).
/// </summary>
internal static class StableDiffusionLayouts
{
    private static readonly int[] SdChannels = { 320, 640, 1280, 1280 };

    private static readonly string[] Roots = FamilyRoots.StableDiffusion;

    /// <summary>SD 1.x: attention in down blocks 0-2 (depth 1), cross-attention 768, 1×1 conv projections; CLIP ViT-L.</summary>
    public static FamilyLayout Sd1 { get; } = new(ModelFamily.StableDiffusion1, () => new[]
    {
        UNetLayout.Build(SdChannels, new[] { 1, 1, 1, 0 }, 1, 768, linearProjection: false, addEmbeddingIn: 0, kohyaUsesOriginalNames: false),
        ClipTextLayout.Build(ModelComponent.TextEncoder, "lora_te", 768, 3072, 12),
    }, Roots, new[] { "sd_v1", "stable-diffusion-v1", "stable_diffusion_v1", "stable-diffusion-1", "sd-v1", "v1-5", "sd15", "sd1.5", "sd_1" });

    /// <summary>SD 2.x: as SD 1.x with cross-attention 1024 and linear projections; OpenCLIP ViT-H (23 layers as diffusers ships it; 24 in some conversions).</summary>
    public static FamilyLayout Sd2 { get; } = new(ModelFamily.StableDiffusion2, () => new[]
    {
        UNetLayout.Build(SdChannels, new[] { 1, 1, 1, 0 }, 1, 1024, linearProjection: true, addEmbeddingIn: 0, kohyaUsesOriginalNames: false),
        ClipTextLayout.Build(ModelComponent.TextEncoder, "lora_te", 1024, 4096, 24),
    }, Roots, new[] { "sd_v2", "stable-diffusion-v2", "stable_diffusion_v2", "stable-diffusion-2", "sd-v2", "sd2", "sd_2" });

    /// <summary>SDXL: three blocks (no attention in the first, depths 2 and 10), cross-attention 2048, text_time embedding; CLIP ViT-L and OpenCLIP bigG.</summary>
    public static FamilyLayout Sdxl { get; } = new(ModelFamily.StableDiffusionXL, () => new[]
    {
        UNetLayout.Build(new[] { 320, 640, 1280 }, new[] { 0, 2, 10 }, 10, 2048, linearProjection: true, addEmbeddingIn: 2816, kohyaUsesOriginalNames: true),
        ClipTextLayout.Build(ModelComponent.TextEncoder, "lora_te1", 768, 3072, 12),
        ClipTextLayout.Build(ModelComponent.TextEncoder2, "lora_te2", 1280, 5120, 32, projection: 1280),
    }, Roots, new[] { "sdxl", "stable-diffusion-xl", "stable_diffusion_xl", "sd_xl" });
}
