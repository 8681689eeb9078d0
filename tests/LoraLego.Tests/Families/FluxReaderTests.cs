using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Tests.Formats;
using Xunit;
using static LoraLego.Tests.Families.StoredModule;

namespace LoraLego.Tests.Families;

/// <summary>Crafted FLUX.1 files in each key style: read → identities, and deltas equal to the stored ones, row for row.</summary>
public sealed class FluxReaderTests
{
    private const int H = 3072;

    public static IEnumerable<object[]> Styles()
    {
        yield return new object[] { "kohya" };
        yield return new object[] { "comfy" };
        yield return new object[] { "xlabs" };
        yield return new object[] { "diffusers" };
        yield return new object[] { "onetrainer" };
    }

    /// <summary>The modules of a file in one key style (FLUX.1 widths, ranks 1-2, alphas where the style has them).</summary>
    internal static List<StoredModule> Crafted(string style) => style switch
    {
        "kohya" => new List<StoredModule>
        {
            Of("lora_unet_double_blocks_0_img_attn_qkv", KohyaSuffix, 2, H, 3 * H, 11, 1f, PartsOf("double_blocks.0.img_attn.qkv")),
            Of("lora_unet_double_blocks_18_txt_attn_qkv", KohyaSuffix, 1, H, 3 * H, 12, 8f, PartsOf("double_blocks.18.txt_attn.qkv")),
            Of("lora_unet_double_blocks_5_txt_mod_lin", KohyaSuffix, 1, H, 6 * H, 13, null, PartsOf("double_blocks.5.txt_mod.lin")),
            Of("lora_unet_single_blocks_7_linear1", KohyaSuffix, 2, H, (3 * H) + (4 * H), 14, 4f, PartsOf("single_blocks.7.linear1")),
            Of("lora_unet_single_blocks_37_linear2", KohyaSuffix, 2, 5 * H, H, 15, 0f, PartsOf("single_blocks.37.linear2")),
            Of("lora_unet_final_layer_adaLN_modulation_1", KohyaSuffix, 1, H, 2 * H, 16, 1f, PartsOf("final_layer.adaLN_modulation.1")),
            Of("lora_unet_guidance_in_in_layer", KohyaSuffix, 1, 256, H, 17, 1f, PartsOf("guidance_in.in_layer")),
            Of("lora_te1_text_model_encoder_layers_0_self_attn_q_proj", KohyaSuffix, 2, 768, 768, 18, 1f, Whole("text_encoder.text_model.encoder.layers.0.self_attn.q_proj", 768)),
            Of("lora_te3_encoder_block_0_layer_1_DenseReluDense_wi_0", KohyaSuffix, 1, 4096, 10240, 19, 1f, Whole("text_encoder_2.encoder.block.0.layer.1.DenseReluDense.wi_0", 10240)),
        },
        "comfy" => new List<StoredModule>
        {
            Of("diffusion_model.double_blocks.3.txt_attn.qkv", PeftSuffix, 2, H, 3 * H, 21, 1f, PartsOf("double_blocks.3.txt_attn.qkv")),
            Of("double_blocks.4.img_mlp.0", KohyaSuffix, 1, H, 4 * H, 22, null, PartsOf("double_blocks.4.img_mlp.0")),
            Of("diffusion_model.single_blocks.2.linear1_qkv", PeftSuffix, 1, H, 3 * H, 23, 2f, PartsOf("single_blocks.2.linear1", take: 3)),
            Of("diffusion_model.final_layer.adaLN_modulation.1", PeftSuffix, 2, H, 2 * H, 24, null, PartsOf("final_layer.adaLN_modulation.1")),
            Of("diffusion_model.img_in", PeftSuffix, 2, 64, H, 25, null, PartsOf("img_in")),
            Of("text_encoders.clip_l.transformer.text_model.encoder.layers.1.mlp.fc1", PeftSuffix, 1, 768, 3072, 26, null, Whole("text_encoder.text_model.encoder.layers.1.mlp.fc1", 3072)),
            Of("text_encoders.t5xxl.transformer.encoder.block.23.layer.0.SelfAttention.o", PeftSuffix, 1, 4096, 4096, 27, null, Whole("text_encoder_2.encoder.block.23.layer.0.SelfAttention.o", 4096)),
        },
        "xlabs" => new List<StoredModule>
        {
            Of("double_blocks.0.processor.qkv_lora1", XLabsSuffix, 2, H, 3 * H, 31, null, PartsOf("double_blocks.0.img_attn.qkv")),
            Of("double_blocks.0.processor.qkv_lora2", XLabsSuffix, 2, H, 3 * H, 32, null, PartsOf("double_blocks.0.txt_attn.qkv")),
            Of("double_blocks.0.processor.proj_lora1", XLabsSuffix, 1, H, H, 33, null, PartsOf("double_blocks.0.img_attn.proj")),
            Of("double_blocks.1.processor.proj_lora2", XLabsSuffix, 1, H, H, 34, null, PartsOf("double_blocks.1.txt_attn.proj")),
            Of("single_blocks.1.processor.qkv_lora", XLabsSuffix, 1, H, 3 * H, 35, null, PartsOf("single_blocks.1.linear1", take: 3)),
            Of("single_blocks.1.processor.proj_lora", XLabsSuffix, 2, 5 * H, H, 36, null, PartsOf("single_blocks.1.linear2")),
        },
        "diffusers" => new List<StoredModule>
        {
            Of("transformer.transformer_blocks.0.attn.to_q", PeftSuffix, 2, H, H, 41, null, Whole("transformer.transformer_blocks.0.attn.to_q", H)),
            Of("transformer.transformer_blocks.0.attn.add_v_proj", PeftSuffix, 1, H, H, 42, null, Whole("transformer.transformer_blocks.0.attn.add_v_proj", H)),
            Of("transformer.single_transformer_blocks.9.proj_mlp", PeftSuffix, 2, H, 4 * H, 43, null, Whole("transformer.single_transformer_blocks.9.proj_mlp", 4 * H)),
            Of("transformer.norm_out.linear", PeftSuffix, 1, H, 2 * H, 44, null, Whole("transformer.norm_out.linear", 2 * H)),
        },
        "onetrainer" => new List<StoredModule>
        {
            Of("lora_transformer_single_transformer_blocks_9_attn_to_k", KohyaSuffix, 2, H, H, 45, 1f, Whole("transformer.single_transformer_blocks.9.attn.to_k", H)),
            Of("lora_transformer_time_text_embed_text_embedder_linear_1", KohyaSuffix, 1, 768, H, 46, 4f, Whole("transformer.time_text_embed.text_embedder.linear_1", H)),
            Of("lora_te2_encoder_block_3_layer_1_DenseReluDense_wo", KohyaSuffix, 1, 10240, 4096, 47, 2f, Whole("text_encoder_2.encoder.block.3.layer.1.DenseReluDense.wo", 4096)),
        },
        _ => throw new System.ArgumentException(style),
    };

    [Theory]
    [MemberData(nameof(Styles))]
    public void CraftedFile_ReadsAsDiffusersIdentities_WithTheStoredDeltasRowForRow(string style)
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine(style + ".safetensors");
        var stored = Crafted(style);
        TestFiles.WriteSafeTensors(file, stored.SelectMany(s => s.Tensors()));

        var adapter = AdapterLoader.Load(file);

        var expectedNames = stored.SelectMany(s => s.Expect.Select(e => e.Identity)).OrderBy(n => n, System.StringComparer.Ordinal).ToList();
        Assert.Equal(expectedNames, adapter.Modules.Select(m => m.Name).OrderBy(n => n, System.StringComparer.Ordinal).ToList());
        Assert.Equal(style == "diffusers" ? AdapterFormat.Diffusers : AdapterFormat.Kohya, adapter.Format);
        Assert.All(adapter.Modules, m => Assert.Equal(ModelFamily.Flux1, m.Identity.Family));
        Assert.Empty(adapter.ExtraTensors);

        // The shared A is counted once: the adapter holds exactly the stored factor values.
        Assert.Equal(stored.Sum(s => (long)s.A.Length + s.B.Length), adapter.ParameterCount);

        foreach (var s in stored)
        {
            foreach (var part in s.Expect)
            {
                var m = adapter.GetModule(part.Identity)!;
                Assert.Equal((s.Rank, s.In, part.Rows), (m.Rank, m.InFeatures, m.OutFeatures));
                Assert.Equal(s.Scale, m.Scale);
                Assert.Equal(s.Down, m.AKey);
                Assert.Equal(s.Up, m.BKey);
                var cols = FluxDelta.Columns(s.In);
                FluxDelta.AssertClose(FluxDelta.Expected(s, part, cols), FluxDelta.Of(m.ReadUnits(), cols), $"{style} {part.Identity}");
            }
        }
    }

    /// <summary>B of a fused module saved by sd-scripts with split_qkv: part p's rows only in its block of ranks.</summary>
    private static void MakeBlockDiagonal(StoredModule s, int parts)
    {
        int block = s.Rank / parts;
        var expect = s.Expect;
        for (int p = 0; p < parts; p++)
        {
            for (int i = 0; i < expect[p].Rows; i++)
            {
                int row = expect[p].StoredRow(i);
                for (int k = 0; k < s.Rank; k++)
                {
                    if (k / block != p) s.B[(row * s.Rank) + k] = 0;
                }
            }
        }
    }

    [Fact]
    public void SplitQkvFile_EachPartTakesItsBlockOfRanks_DeltasExact()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("split.safetensors");
        var qkv = Of("lora_unet_double_blocks_2_img_attn_qkv", KohyaSuffix, 6, H, 3 * H, 51, 3f, PartsOf("double_blocks.2.img_attn.qkv"));
        var linear1 = Of("lora_unet_single_blocks_0_linear1", KohyaSuffix, 4, H, 7 * H, 52, 4f, PartsOf("single_blocks.0.linear1"));
        MakeBlockDiagonal(qkv, 3);
        MakeBlockDiagonal(linear1, 4);
        var md = new Dictionary<string, string> { ["ss_network_args"] = "{\"split_qkv\": \"True\", \"train_blocks\": \"all\"}" };
        TestFiles.WriteSafeTensors(file, qkv.Tensors().Concat(linear1.Tensors()), md);

        var adapter = AdapterLoader.Load(file);

        Assert.Equal(7, adapter.ModuleCount);
        Assert.Equal((long)qkv.A.Length + qkv.B.Length + linear1.A.Length + linear1.B.Length, adapter.ParameterCount);
        foreach (var (s, rank) in new[] { (qkv, 2), (linear1, 1) })
        {
            foreach (var part in s.Expect)
            {
                var m = adapter.GetModule(part.Identity)!;
                Assert.Equal(rank, m.Rank);
                Assert.Equal(s.Scale, m.Scale); // alpha over the stored (fused) rank, as ComfyUI and diffusers apply it
                var cols = FluxDelta.Columns(H);
                FluxDelta.AssertClose(FluxDelta.Expected(s, part, cols), FluxDelta.Of(m.ReadUnits(), cols), part.Identity);
            }
        }
    }

    [Fact]
    public void SplitQkvFileWhoseBIsNotBlockDiagonal_IsRefusedWhenRead()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("notsplit.safetensors");
        var qkv = Of("lora_unet_double_blocks_2_img_attn_qkv", KohyaSuffix, 3, H, 3 * H, 53, null, PartsOf("double_blocks.2.img_attn.qkv"));
        TestFiles.WriteSafeTensors(file, qkv.Tensors(), new Dictionary<string, string> { ["ss_network_args"] = "{\"split_qkv\": \"true\"}" });

        var m = AdapterLoader.Load(file).GetModule("transformer.transformer_blocks.2.attn.to_k")!;

        Assert.Equal(1, m.Rank);
        var e = Assert.Throws<AdapterException>(() => m.ReadUnits());
        Assert.Equal(AdapterErrorIds.LoraShapeMismatch, e.ErrorId);
        Assert.Contains("lora_unet_double_blocks_2_img_attn_qkv.lora_up.weight", e.Message);
    }

    [Fact]
    public void DiffusersFluxFile_WithAdapterMetadata_HasFluxIdentitiesAndTheMetadataScale()
    {
        // What diffusers' FluxPipeline.save_lora_weights writes since 2025: component-prefixed LoraConfig fields.
        using var tmp = new TempFolder();
        var file = tmp.Combine("pytorch_lora_weights.safetensors");
        var q = Of("transformer.single_transformer_blocks.3.attn.to_q", PeftSuffix, 2, H, H, 61, null);
        var te = Of("text_encoder.text_model.encoder.layers.2.mlp.fc2", PeftSuffix, 2, 3072, 768, 62, null);
        var md = new Dictionary<string, string>
        {
            ["lora_adapter_metadata"] = "{\"transformer.r\": 2, \"transformer.lora_alpha\": 16, \"transformer.target_modules\": [\"to_q\"], \"text_encoder.r\": 2, \"text_encoder.lora_alpha\": 2, \"text_encoder.target_modules\": [\"fc2\"]}",
        };
        TestFiles.WriteSafeTensors(file, q.Tensors().Concat(te.Tensors()), md);

        var adapter = AdapterLoader.Load(file);

        Assert.Equal(ModelFamily.Flux1, adapter.Family);
        Assert.Equal(new[] { "text_encoder", "transformer" }, adapter.Components);
        var mq = adapter.GetModule("transformer.single_transformer_blocks.3.attn.to_q")!;
        Assert.Equal(8.0, mq.Scale);
        Assert.Equal(1.0, adapter.GetModule("text_encoder.text_model.encoder.layers.2.mlp.fc2")!.Scale);
    }

    [Fact]
    public void BflNamedFile_IsFamilyFlux1()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("bfl.safetensors");
        TestFiles.WriteSafeTensors(file, Crafted("xlabs").SelectMany(s => s.Tensors()));

        var adapter = AdapterLoader.Load(file);

        Assert.Equal(ModelFamily.Flux1, adapter.Family);
        Assert.Equal(new[] { "transformer" }, adapter.Components);
        Assert.Empty(adapter.Warnings);
    }

    [Fact]
    public void NormOut_FromBflNames_HasItsHalvesSwapped()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("final.safetensors");
        var s = Of("lora_unet_final_layer_adaLN_modulation_1", KohyaSuffix, 1, H, 2 * H, 5, null);
        TestFiles.WriteSafeTensors(file, s.Tensors());

        var units = AdapterLoader.Load(file).GetModule("transformer.norm_out.linear")!.ReadUnits();

        // diffusers' first half (scale) is BFL's second half; its second half (shift) is BFL's first.
        for (int r = 0; r < H; r++)
        {
            Assert.Equal(s.B[H + r], units.UnitB(0)[r]);
            Assert.Equal(s.B[r], units.UnitB(0)[H + r]);
        }
    }

    [Fact]
    public void OneLayerNamedTwice_IsRefusedNamingBothModules()
    {
        using var tmp = new TempFolder();
        var file = tmp.Combine("twice.safetensors");
        var fused = Of("lora_unet_double_blocks_0_img_attn_qkv", KohyaSuffix, 1, H, 3 * H, 1, null);
        var split = Of("transformer.transformer_blocks.0.attn.to_k", PeftSuffix, 1, H, H, 2, null);
        TestFiles.WriteSafeTensors(file, fused.Tensors().Concat(split.Tensors()));

        var e = Assert.Throws<AdapterException>(() => AdapterLoader.Load(file));

        Assert.Equal(AdapterErrorIds.LoraModuleDuplicate, e.ErrorId);
        Assert.Contains("lora_unet_double_blocks_0_img_attn_qkv", e.Message);
        Assert.Contains("transformer.transformer_blocks.0.attn.to_k", e.Message);
    }

    [Fact]
    public void BflNameWithOtherWidths_KeepsItsStoredName_WithAWarningNamingTheTensor_TheRestIsRead()
    {
        // BFL's control LoRAs (FLUX.1 Canny/Depth) widen img_in to 128 input channels.
        using var tmp = new TempFolder();
        var file = tmp.Combine("control.safetensors");
        var wide = Of("img_in", PeftSuffix, 1, 128, H, 1, null);
        var qkv = Of("double_blocks.0.img_attn.qkv", PeftSuffix, 1, H, 3 * H, 2, null, PartsOf("double_blocks.0.img_attn.qkv"));
        TestFiles.WriteSafeTensors(file, wide.Tensors().Concat(qkv.Tensors()));

        var adapter = AdapterLoader.Load(file);

        Assert.Equal(ModelFamily.Flux1, adapter.Family);
        var m = adapter.GetModule("img_in")!;
        Assert.Equal(ModelFamily.Unknown, m.Identity.Family);
        Assert.Equal((128, H), (m.InFeatures, m.OutFeatures));
        Assert.Contains(adapter.Warnings, w => w.Contains("img_in.lora_A.weight [1, 128]") && w.Contains("transformer.x_embedder (3072×64)"));
        Assert.Equal(4, adapter.ModuleCount);
    }
}
