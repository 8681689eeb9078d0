using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Tests.Formats;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Tests.Families;

/// <summary>The key styles a Stable Diffusion LoRA file comes in (FORMATS.md, diffusers' and kohya's naming rules).</summary>
public enum SdKeyStyle
{
    /// <summary>lora_unet_/lora_te_ + diffusers path flattened; lora_down/lora_up/alpha.</summary>
    Kohya,

    /// <summary>lora_unet_ + SGM path flattened (SDXL as sd-scripts writes it); lora_te1_/lora_te2_.</summary>
    KohyaSgm,

    /// <summary>Old diffusers attention processors: attn1.processor.to_q_lora.down.weight (no unet. prefix), text_encoder. self_attn.to_q_lora.</summary>
    DiffusersProcessor,

    /// <summary>unet./text_encoder. + path + .lora.down.weight.</summary>
    DiffusersLora,

    /// <summary>unet./text_encoder. + path + .lora_linear_layer.down.weight.</summary>
    DiffusersLinearLayer,

    /// <summary>unet./text_encoder. + path + .lora_A.weight (diffusers since PEFT).</summary>
    DiffusersPeft,
}

/// <summary>How a diffusers file carries its alpha.</summary>
public enum DiffusersAlpha
{
    /// <summary>network_alphas: a rank-0 &lt;module&gt;.alpha tensor.</summary>
    NetworkAlphas,

    /// <summary>__metadata__["lora_adapter_metadata"], keys prefixed by component.</summary>
    PrefixedMetadata,

    /// <summary>__metadata__["lora_adapter_metadata"], the plain LoraConfig (one component).</summary>
    PlainMetadata,
}

/// <summary>
/// One LoRA on real SD layers (deterministic factors, one rank and alpha), written by the test in any
/// key style with <see cref="TestFiles"/>, and its dense deltas computed here with MathNet.
/// </summary>
public sealed class SdLora
{
    public SdLora(ModelFamily family, IEnumerable<RealLayer> layers, int rank, double alpha, ulong seed)
    {
        Family = family;
        Layers = layers.ToList();
        Rank = rank;
        Alpha = alpha;
        for (int i = 0; i < Layers.Count; i++)
        {
            var l = Layers[i];
            A.Add(TestFiles.Values(rank * l.InFeatures, seed + (ulong)(2 * i)));
            B.Add(TestFiles.Values(l.OutFeatures * rank, seed + (ulong)(2 * i) + 1));
        }
    }

    public ModelFamily Family { get; }

    public IReadOnlyList<RealLayer> Layers { get; }

    public int Rank { get; }

    public double Alpha { get; }

    private List<float[]> A { get; } = new();

    private List<float[]> B { get; } = new();

    /// <summary>alpha/r · B·A of layer <paramref name="i"/>, in float64.</summary>
    public Matrix<double> Delta(int i)
    {
        var l = Layers[i];
        var a = Matrix<double>.Build.Dense(Rank, l.InFeatures, (r, k) => A[i][(r * l.InFeatures) + k]);
        var b = Matrix<double>.Build.Dense(l.OutFeatures, Rank, (o, r) => B[i][(o * Rank) + r]);
        return Alpha / Rank * (b * a);
    }

    /// <summary>Writes the LoRA as one file in <paramref name="style"/>; returns its path.</summary>
    public string WriteFile(string path, SdKeyStyle style, DiffusersAlpha alpha = DiffusersAlpha.NetworkAlphas)
    {
        var tensors = new List<TestTensor>();
        for (int i = 0; i < Layers.Count; i++)
        {
            var (down, up, alphaKey) = Keys(Layers[i], style);
            tensors.Add(new TestTensor(down, "F32", AShape(Layers[i]), A[i]));
            tensors.Add(new TestTensor(up, "F32", BShape(Layers[i]), B[i]));
            bool tensorAlpha = style is SdKeyStyle.Kohya or SdKeyStyle.KohyaSgm || alpha == DiffusersAlpha.NetworkAlphas;
            if (tensorAlpha) tensors.Add(TestTensor.F32(alphaKey, new long[0], new[] { (float)Alpha }));
        }

        Dictionary<string, string>? md = null;
        if (style is not (SdKeyStyle.Kohya or SdKeyStyle.KohyaSgm) && alpha != DiffusersAlpha.NetworkAlphas)
        {
            var a = Alpha.ToString(CultureInfo.InvariantCulture);
            string Config(string prefix) => $"\"{prefix}r\": {Rank}, \"{prefix}lora_alpha\": {a}, \"{prefix}use_rslora\": false, \"{prefix}rank_pattern\": {{}}, \"{prefix}alpha_pattern\": {{}}, \"{prefix}peft_type\": \"LORA\"";
            var json = alpha == DiffusersAlpha.PlainMetadata
                ? "{" + Config(string.Empty) + "}"
                : "{" + string.Join(", ", Layers.Select(l => l.Component).Distinct().Select(c => Config(c + "."))) + "}";
            md = new Dictionary<string, string> { ["format"] = "pt", ["lora_adapter_metadata"] = json };
        }

        TestFiles.WriteSafeTensors(path, tensors, md);
        return path;
    }

    /// <summary>Writes the LoRA's layers of <paramref name="component"/> as a PEFT folder (base_model.model.&lt;path&gt;).</summary>
    public string WritePeftFolder(string folder, string component)
    {
        var tensors = new List<TestTensor>();
        for (int i = 0; i < Layers.Count; i++)
        {
            if (Layers[i].Component != component) continue;
            tensors.Add(new TestTensor($"base_model.model.{Layers[i].Path}.lora_A.weight", "F32", AShape(Layers[i]), A[i]));
            tensors.Add(new TestTensor($"base_model.model.{Layers[i].Path}.lora_B.weight", "F32", BShape(Layers[i]), B[i]));
        }

        var targets = string.Join(", ", Layers.Where(l => l.Component == component).Select(l => "\"" + LeafOf(l.Path) + "\"").Distinct());
        var config = "{\"peft_type\": \"LORA\", \"r\": " + Rank + ", \"lora_alpha\": " + Alpha.ToString(CultureInfo.InvariantCulture)
            + ", \"target_modules\": [" + targets + "], \"base_model_name_or_path\": null}";
        return TestFiles.WritePeft(folder, config, tensors);
    }

    private long[] AShape(RealLayer l) => l.Kind == ModuleKind.Conv
        ? new long[] { Rank, l.InFeatures / Kernel2(l), Kernel(l), Kernel(l) }
        : new long[] { Rank, l.InFeatures };

    private long[] BShape(RealLayer l) => l.Kind == ModuleKind.Conv ? new long[] { l.OutFeatures, Rank, 1, 1 } : new long[] { l.OutFeatures, Rank };

    private static int Kernel(RealLayer l) => l.Path.EndsWith("conv_shortcut") || l.Path.EndsWith("proj_in") || l.Path.EndsWith("proj_out") ? 1 : 3;

    private static int Kernel2(RealLayer l) => Kernel(l) * Kernel(l);

    private static string LeafOf(string path)
    {
        var parts = path.Split('.');
        return parts[^1].All(char.IsDigit) ? parts[^2] + "." + parts[^1] : parts[^1];
    }

    private (string Down, string Up, string Alpha) Keys(RealLayer l, SdKeyStyle style)
    {
        switch (style)
        {
            case SdKeyStyle.Kohya:
            case SdKeyStyle.KohyaSgm:
                var name = style == SdKeyStyle.KohyaSgm && l.OriginalPath is not null
                    ? RealSdLayers.KohyaPrefix(Family, l.Component) + l.OriginalPath.Replace('.', '_')
                    : RealSdLayers.KohyaPrefix(Family, l.Component) + l.Path.Replace('.', '_');
                return (name + ".lora_down.weight", name + ".lora_up.weight", name + ".alpha");
            case SdKeyStyle.DiffusersProcessor:
                // attn1.to_q → attn1.processor.to_q_lora; to_out.0 → to_out_lora; text encoder q_proj → to_q_lora.
                string stem;
                if (l.Component == "unet")
                {
                    var cut = l.Path.EndsWith(".to_out.0") ? l.Path.Length - ".to_out.0".Length : l.Path.LastIndexOf('.');
                    var leaf = l.Path.EndsWith(".to_out.0") ? "to_out" : l.Path.Substring(cut + 1);
                    stem = l.Path.Substring(0, cut) + ".processor." + leaf;
                }
                else
                {
                    var proj = l.Path.Substring(l.Path.LastIndexOf('.') + 1);
                    var leaf = proj switch { "q_proj" => "to_q", "k_proj" => "to_k", "v_proj" => "to_v", "out_proj" => "to_out", _ => throw new ArgumentException(l.Path) };
                    stem = l.Component + "." + l.Path.Substring(0, l.Path.LastIndexOf('.')) + "." + leaf;
                }

                return (stem + "_lora.down.weight", stem + "_lora.up.weight", stem + "_lora.alpha");
            case SdKeyStyle.DiffusersLora:
                return (l.Key + ".lora.down.weight", l.Key + ".lora.up.weight", l.Key + ".alpha");
            case SdKeyStyle.DiffusersLinearLayer:
                return (l.Key + ".lora_linear_layer.down.weight", l.Key + ".lora_linear_layer.up.weight", l.Key + ".alpha");
            case SdKeyStyle.DiffusersPeft:
                return (l.Key + ".lora_A.weight", l.Key + ".lora_B.weight", l.Key + ".alpha");
            default:
                throw new ArgumentOutOfRangeException(nameof(style));
        }
    }
}
