using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Formats.Families;
using LoraLego.SafeTensors;

namespace LoraLego.Formats.Lycoris;

/// <summary>
/// The LyCORIS networks of a kohya-style file (lora_unet_, lora_te_, lora_te1_, lora_te2_, lycoris_ ... stems):
/// recognises their tensors, turns one module stem into exact LoRA factors (LoCon with a Tucker core, LoHa,
/// LoKr), and refuses the networks whose delta is not B·A.
/// </summary>
internal static class LycorisNetworks
{
    internal const string Down = "lora_down.weight";
    internal const string Up = "lora_up.weight";
    internal const string Mid = "lora_mid.weight";

    // Tensors that make a stem a LyCORIS network rather than a plain LoRA pair.
    private static readonly string[] NetworkSuffixes =
    {
        Mid, "hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b", "hada_t1", "hada_t2",
        "lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b", "lokr_t2",
    };

    // Networks read elsewhere would be wrong here; each is refused with the reason (names from LyCORIS
    // modules/*.py weight lists and ComfyUI weight_adapter/*.py).
    private static readonly (string Suffix, string Why)[] Refused =
    {
        ("oft_blocks", "an OFT/BOFT network (oft_blocks): it rotates the base weight, W' = R·W, so its delta needs the base weights and is not B·A"),
        ("oft_diag", "an OFT network (oft_diag): it rotates the base weight, W' = R·W, so its delta needs the base weights and is not B·A"),
        ("diff", "a full weight difference (diff): a dense matrix, not low-rank; it could be factored by SVD, but only at the layer's full rank, which is not a LoRA"),
        ("diff_b", "a full bias difference (diff_b): not a low-rank weight delta"),
        ("on_input", "an IA3 network (weight + on_input): it scales the base weight's rows or columns, so its delta needs the base weights and is not B·A"),
        ("a1.weight", "a GLoRA network (a1/a2/b1/b2): its delta W·A + B needs the base weights and is not B·A"),
        ("a2.weight", "a GLoRA network (a1/a2/b1/b2): its delta W·A + B needs the base weights and is not B·A"),
    };

    /// <summary>Whether <paramref name="key"/> is a tensor of a LyCORIS network (read or refused): marks a kohya-style file.</summary>
    public static bool IsNetworkKey(string key) =>
        NetworkSuffixes.Any(s => EndsWithSuffix(key, s)) || Refused.Any(r => EndsWithSuffix(key, r.Suffix));

    /// <summary>Throws AdapterTypeNotSupported, naming the file, the module and why, when <paramref name="key"/> belongs to a network that is not B·A.</summary>
    public static void RefuseUnsupported(string file, string key)
    {
        foreach (var (suffix, why) in Refused)
        {
            if (!EndsWithSuffix(key, suffix)) continue;
            var module = key.Substring(0, key.Length - suffix.Length - 1);
            throw new AdapterException(AdapterErrorIds.AdapterTypeNotSupported, LoraErrorCategory.NotImplemented, file,
                $"{file}: module '{module}' is {why}. Only networks whose delta is B·A (LoRA, LoCon, LoHa, LoKr) split into rank-1 units; "
                + "merge this file into its base model with the tool that trained it instead.", module);
        }
    }

    /// <summary>
    /// The tensors of every stem that holds a LyCORIS network (its lora_down/lora_up too, for LoCon with a core),
    /// by stem in first-seen order; everything else is left to the plain kohya reading.
    /// </summary>
    public static Stems Collect(IEnumerable<TensorInfo> tensors)
    {
        var all = tensors.ToList();
        var stems = new Stems();
        foreach (var t in all)
        {
            var suffix = NetworkSuffixes.FirstOrDefault(s => EndsWithSuffix(t.Name, s));
            if (suffix is not null) stems.Mark(StemOf(t.Name, suffix));
        }

        foreach (var t in all)
        {
            var suffix = NetworkSuffixes.Concat(new[] { Down, Up }).FirstOrDefault(s => EndsWithSuffix(t.Name, s));
            if (suffix is not null) stems.Add(StemOf(t.Name, suffix), suffix, t);
        }

        return stems;
    }

    /// <summary>
    /// The module one stem's tensors make (suffix → tensor), with its alpha (null when the file has none or 0),
    /// or null when the stem holds no LyCORIS network (a plain lora_down/lora_up pair).
    /// </summary>
    public static LycorisModule? Read(string file, string stem, IReadOnlyDictionary<string, TensorInfo> tensors, double? alpha)
    {
        foreach (var t in tensors.Values) FactorShapes.CheckDType(file, stem, t);
        bool loha = tensors.Keys.Any(k => k.StartsWith("hada_", StringComparison.Ordinal));
        bool lokr = tensors.Keys.Any(k => k.StartsWith("lokr_", StringComparison.Ordinal));
        bool mid = tensors.ContainsKey(Mid);
        if ((loha ? 1 : 0) + (lokr ? 1 : 0) + (mid ? 1 : 0) > 1)
        {
            throw new AdapterException(AdapterErrorIds.LoraShapeMismatch, LoraErrorCategory.InvalidData, file,
                $"{file}: module '{stem}' holds tensors of more than one network ({string.Join(", ", tensors.Values.Select(t => t.Name))}); a module is one LoCon, LoHa or LoKr.", stem);
        }

        try
        {
            if (loha) return ReadLoha(file, stem, tensors, alpha);
            if (lokr) return ReadLokr(file, stem, tensors, alpha);
            if (mid) return ReadTuckerLocon(file, stem, tensors, alpha);
            return null;
        }
        catch (OverflowException)
        {
            // A product of dimensions (rank r1·r2, in·kh·kw, out_l·out_k) past int: no layer is that large.
            throw new AdapterException(AdapterErrorIds.LoraShapeMismatch, LoraErrorCategory.InvalidData, file,
                $"{file}: module '{stem}': the factors' shapes ({string.Join(", ", tensors.Values.Select(t => $"{t.Name} [{FactorShapes.Dims(t)}]"))}) make a layer or rank too large to hold.", stem);
        }
    }

    // Scale rules. Every rule: scale = alpha / dim, where a missing alpha means alpha = dim (ComfyUI
    // weight_adapter/*.py use scale 1 when no alpha is stored) and so does a stored 0 (LyCORIS modules/*.py:
    // "alpha = lora_dim if alpha is None or alpha == 0"). dim is given per network below.
    private static LycorisModule Module(ComputedFactors factors, double? alpha, int dim) =>
        new(factors, alpha ?? dim, (alpha ?? dim) / dim);

    // LoCon: dim = lora_down's rows (ComfyUI weight_adapter/lora.py: alpha / mat2.shape[0], mat2 = lora_down;
    // LyCORIS modules/locon.py: scale = alpha / lora_dim).
    private static LycorisModule ReadTuckerLocon(string file, string stem, IReadOnlyDictionary<string, TensorInfo> tensors, double? alpha)
    {
        var down = Need(file, stem, tensors, Down);
        var part = LowRankPart.Tucker(file, stem, Need(file, stem, tensors, Up), upTransposed: false, tensors[Mid], down);
        return Module(new TuckerLoconFactors(part), alpha, (int)down.Shape[0]);
    }

    // LoHa: dim = hada_w1_b's rows (ComfyUI weight_adapter/loha.py: alpha / w1b.shape[0]; LyCORIS modules/loha.py
    // make_module_from_state_dict: lora_dim = w1b.size(0), scale = alpha / lora_dim).
    private static LycorisModule ReadLoha(string file, string stem, IReadOnlyDictionary<string, TensorInfo> tensors, double? alpha)
    {
        var w1a = Need(file, stem, tensors, "hada_w1_a");
        var w1b = Need(file, stem, tensors, "hada_w1_b");
        var w2a = Need(file, stem, tensors, "hada_w2_a");
        var w2b = Need(file, stem, tensors, "hada_w2_b");
        bool tucker = tensors.ContainsKey("hada_t1") || tensors.ContainsKey("hada_t2");
        var first = tucker
            ? LowRankPart.Tucker(file, stem, w1a, upTransposed: true, Need(file, stem, tensors, "hada_t1"), w1b)
            : LowRankPart.Stored(file, stem, w1a, w1b);
        var second = tucker
            ? LowRankPart.Tucker(file, stem, w2a, upTransposed: true, Need(file, stem, tensors, "hada_t2"), w2b)
            : LowRankPart.Stored(file, stem, w2a, w2b);
        if (first.Rows != second.Rows || first.Cols != second.Cols || !first.Kernel.SequenceEqual(second.Kernel))
        {
            throw new AdapterException(AdapterErrorIds.LoraShapeMismatch, LoraErrorCategory.InvalidData, file,
                $"{file}: module '{stem}': the two LoHa halves differ in shape ({first.Rows}×{first.Cols} from {w1a.Name}, {w1b.Name}; "
                + $"{second.Rows}×{second.Cols} from {w2a.Name}, {w2b.Name}); their Hadamard product needs equal shapes.", stem);
        }

        return Module(new LohaFactors(first, second), alpha, (int)w1b.Shape[0]);
    }

    // LoKr: dim = the decomposed factor's rank, lokr_w2_b's rows when w2 is decomposed, else lokr_w1_b's rows
    // (ComfyUI weight_adapter/lokr.py sets dim from w1_b then w2_b; LyCORIS uses one lora_dim for both). With
    // neither decomposed the scale is 1 and alpha is ignored (ComfyUI: alpha = 1.0 when dim is None; LyCORIS
    // modules/lokr.py: "if self.use_w2 and self.use_w1: alpha = lora_dim").
    private static LycorisModule ReadLokr(string file, string stem, IReadOnlyDictionary<string, TensorInfo> tensors, double? alpha)
    {
        LowRankPart w1;
        int? dim = null;
        if (tensors.TryGetValue("lokr_w1", out var full1))
        {
            w1 = LowRankPart.Full(file, stem, full1);
        }
        else
        {
            var b1 = Need(file, stem, tensors, "lokr_w1_b");
            w1 = LowRankPart.Stored(file, stem, Need(file, stem, tensors, "lokr_w1_a"), b1);
            dim = (int)b1.Shape[0];
        }

        LowRankPart w2;
        if (tensors.TryGetValue("lokr_w2", out var full2))
        {
            w2 = LowRankPart.Full(file, stem, full2);
        }
        else
        {
            var a2 = Need(file, stem, tensors, "lokr_w2_a");
            var b2 = Need(file, stem, tensors, "lokr_w2_b");
            w2 = tensors.TryGetValue("lokr_t2", out var t2)
                ? LowRankPart.Tucker(file, stem, a2, upTransposed: true, t2, b2)
                : LowRankPart.Stored(file, stem, a2, b2);
            dim = (int)b2.Shape[0];
        }

        if (w1.Kernel.Any(d => d != 1))
        {
            throw new AdapterException(AdapterErrorIds.LoraShapeMismatch, LoraErrorCategory.InvalidData, file,
                $"{file}: module '{stem}': LoKr's first factor ({w1.UpKey}) has a kernel [{string.Join(", ", w1.Kernel)}]; only the second factor may.", stem);
        }

        var factors = new LokrFactors(w1, w2);
        return dim is int d ? Module(factors, alpha, d) : new LycorisModule(factors, alpha ?? 1, 1);
    }

    /// <summary>
    /// The module's kind once its layer is known (null: unknown): a conv stored flat takes the layer's kernel, so it
    /// is written as [r, in, kh, kw] like any LoCon (see <see cref="ComputedFactors.TakeLayerKernel"/>).
    /// </summary>
    public static ModuleKind FitToLayer(ComputedFactors factors, LayerShape? layer)
    {
        if (layer is LayerShape s && s.Kind == ModuleKind.Conv && s.Kernel > 1 && s.InFeatures == factors.InFeatures && s.OutFeatures == factors.OutFeatures)
            factors.TakeLayerKernel(new long[] { s.Kernel, s.Kernel });
        return factors.Kind;
    }

    private static TensorInfo Need(string file, string stem, IReadOnlyDictionary<string, TensorInfo> tensors, string suffix)
    {
        if (tensors.TryGetValue(suffix, out var t)) return t;
        throw new AdapterException(AdapterErrorIds.LoraFactorMissing, LoraErrorCategory.InvalidData, file,
            $"{file}: module '{stem}' has {string.Join(", ", tensors.Values.Select(x => x.Name))} but no {stem}.{suffix}; the network needs it.", stem);
    }

    private static bool EndsWithSuffix(string key, string suffix) =>
        key.Length > suffix.Length + 1 && key.EndsWith(suffix, StringComparison.Ordinal) && key[key.Length - suffix.Length - 1] == '.';

    private static string StemOf(string key, string suffix) => key.Substring(0, key.Length - suffix.Length - 1);

    /// <summary>Tensors of the stems that hold a LyCORIS network.</summary>
    internal sealed class Stems
    {
        private readonly Dictionary<string, Dictionary<string, TensorInfo>> _byStem = new(StringComparer.Ordinal);
        private readonly List<string> _order = new();
        private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);

        /// <summary>Whether the tensor belongs to one of these stems (the plain reader skips it).</summary>
        public bool Claims(TensorInfo t) => _claimed.Contains(t.Name);

        public IEnumerable<(string Stem, IReadOnlyDictionary<string, TensorInfo> Tensors)> All =>
            _order.Select(s => (s, (IReadOnlyDictionary<string, TensorInfo>)_byStem[s]));

        internal void Mark(string stem)
        {
            if (_byStem.ContainsKey(stem)) return;
            _byStem.Add(stem, new Dictionary<string, TensorInfo>(StringComparer.Ordinal));
            _order.Add(stem);
        }

        internal void Add(string stem, string suffix, TensorInfo t)
        {
            if (!_byStem.TryGetValue(stem, out var tensors)) return;
            tensors[suffix] = t;
            _claimed.Add(t.Name);
        }
    }
}

/// <summary>One LyCORIS module read as LoRA factors: what the kohya reader needs to make a <see cref="LoraModule"/>.</summary>
internal sealed class LycorisModule
{
    public LycorisModule(ComputedFactors factors, double alpha, double scale)
    {
        Factors = factors;
        Alpha = alpha;
        Scale = scale;
    }

    public ComputedFactors Factors { get; }

    /// <summary>The stored alpha (or the rule's default when none is stored).</summary>
    public double Alpha { get; }

    /// <summary>The factor ΔW = Scale · B · A is multiplied by, after the network's scale rule.</summary>
    public double Scale { get; }

    public ModuleKind Kind => Factors.Kind;
}
