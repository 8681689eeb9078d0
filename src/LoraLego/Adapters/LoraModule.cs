using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Linalg;
using LoraLego.SafeTensors;
using LoraLego.Units;
using System.Runtime.CompilerServices;

namespace LoraLego.Adapters;

/// <summary>
/// One adapted layer: ΔW = Scale · B · A with A [Rank × InFeatures] and B [OutFeatures × Rank]
/// (conv A flattened to in·kh·kw; embeddings in B·A space, i.e. the transpose of the embedding table's delta).
/// </summary>
public sealed class LoraModule
{
    // Boxed so that publishing the cached value is one reference write (safe when modules are read in parallel).
    private object? _deltaNorm;

    internal LoraModule(LoraAdapter adapter, ModuleIdentity identity, string storedName, ModuleKind kind, FactorSource factors, double alpha, double scale, string? alphaKey)
    {
        Adapter = adapter;
        Identity = identity;
        Name = identity.Key;
        StoredName = storedName;
        Kind = kind;
        Factors = factors;
        Rank = factors.Rank;
        InFeatures = factors.InFeatures;
        OutFeatures = factors.OutFeatures;
        Alpha = alpha;
        Scale = scale;
        AlphaKey = alphaKey;
        DType = factors.DType;
        LeafName = identity.Family == ModelFamily.Unknown ? ModuleNames.Leaf(storedName, adapter.Format) : ModuleNames.Leaf(identity.Path, AdapterFormat.Peft);
    }

    /// <summary>A plain A/B pair whose key nothing maps: identity is the stored name.</summary>
    internal LoraModule(LoraAdapter adapter, string name, ModuleKind kind, TensorInfo a, TensorInfo b, double alpha, double scale, string? alphaKey)
        : this(adapter, ModuleIdentity.Unrecognised(name), name, kind, new TensorFactors(a, b), alpha, scale, alphaKey)
    {
    }

    public LoraAdapter Adapter { get; }

    /// <summary>
    /// What the module is matched and shown by: its <see cref="Identity"/>'s key (component.path in the
    /// diffusers / transformers model, e.g. unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q
    /// or transformer.h.0.attn.c_attn), the same whatever format the file is in.
    /// </summary>
    public string Name { get; }

    /// <summary>The base-model layer this module adapts.</summary>
    public ModuleIdentity Identity { get; }

    /// <summary>
    /// The module's name as the file stores it. PEFT: without base_model.model. and the lora_A/B suffix;
    /// kohya: as in the file (lora_unet_down_blocks_0_...); diffusers: the key minus its lora suffixes.
    /// </summary>
    public string StoredName { get; }

    /// <summary>Last segment of the name that says what layer this is (c_attn, to_q, to_out.0, ...).</summary>
    public string LeafName { get; }

    public ModuleKind Kind { get; }

    /// <summary>What the file trained here: Lora, LoCon (a conv pair, with or without a Tucker core), LoHa or LoKr.</summary>
    public NetworkType NetworkType => Factors.Network == NetworkType.Lora && Kind == ModuleKind.Conv ? NetworkType.LoCon : Factors.Network;

    /// <summary>Flattened input width: in·kh·kw for conv, num_embeddings for embeddings.</summary>
    public int InFeatures { get; }

    public int OutFeatures { get; }

    public int Rank { get; }

    public double Alpha { get; }

    /// <summary>The factor the delta is multiplied by: α/r, α/√r (rsLoRA), 1 for diffusers files without alphas.</summary>
    public double Scale { get; }

    /// <summary>A's shape as a LoRA stores it ([r, in] or [r, in, kh, kw]), also for factors computed from other tensors.</summary>
    public IReadOnlyList<long> AShape => Factors.AShape;

    /// <summary>B's shape as a LoRA stores it ([out, r] or [out, r, 1, 1]).</summary>
    public IReadOnlyList<long> BShape => Factors.BShape;

    /// <summary>The stored tensor A (down) is read from, or computed from.</summary>
    public string AKey => Factors.AKey;

    /// <summary>The stored tensor B (up) is read from, or computed from.</summary>
    public string BKey => Factors.BKey;

    /// <summary>The rank-0 alpha tensor's key (kohya, diffusers with network alphas), else null.</summary>
    public string? AlphaKey { get; }

    /// <summary>dtype of the factors ("F32", or "F16,F32" when A and B differ).</summary>
    public string DType { get; }

    public long ParameterCount => Factors.ParameterCount;

    internal FactorSource Factors { get; }

    /// <summary>
    /// Frobenius norm of Scale·B·A from the factors: ‖BA‖²_F = trace((BᵀB)(AAᵀ)), two r×r Gram
    /// matrices instead of the out×in product. Computed on first use (reads the tensors), then cached.
    /// </summary>
    public double DeltaNorm => (double)(_deltaNorm ??= ComputeDeltaNorm());

    /// <summary>
    /// The module's rank-1 units as float32, unit-major (row i of A = a_i, row i of BT = column i of B),
    /// each with scale Scale·<paramref name="weight"/>.
    /// </summary>
    public UnitBlock ReadUnits(double weight = 1.0) => ReadUnits(weight, length => new float[length]);

    /// <summary>
    /// As <see cref="ReadUnits(double)"/>, with the factor arrays from <paramref name="allocate"/> (length → array of
    /// exactly that length, contents ignored: every element is overwritten).
    /// </summary>
    internal UnitBlock ReadUnits(double weight, Func<int, float[]> allocate)
    {
        var a = allocate(Rank * InFeatures);
        var bt = allocate(OutFeatures * Rank);
        var b = ThreadScratch<float>.Get(ScratchSlot.FactorTranspose, bt.Length);

        // One handle for both factors: opening the file costs more than reading a small tensor.
        using (var reader = Adapter.TensorFile.OpenReader())
        {
            Factors.Read(reader, a, b.AsSpan(0, bt.Length));
        }

        Transpose(b, OutFeatures, Rank, bt);
        var scale = new double[Rank];
        for (int i = 0; i < Rank; i++) scale[i] = Scale * weight;
        return new UnitBlock(InFeatures, OutFeatures, a, bt, scale);
    }

    /// <summary>
    /// lora_B (rows × cols, row-major) → its transpose. In panels of 64 rows: the panel's lines stay in L1
    /// while each column is written out contiguously, instead of one cache miss per element. Pointers,
    /// because bounds checks on both arrays cost more than the moves themselves.
    /// </summary>
    [MethodImpl(JitHints.Hot)]
    private static unsafe void Transpose(float[] source, int rows, int cols, float[] target)
    {
        const int Panel = 64;
        if ((long)rows * cols > source.Length || (long)rows * cols > target.Length) throw new ArgumentException("Transpose: arrays too short.");
        fixed (float* src = source, dst = target)
        {
            for (int r0 = 0; r0 < rows; r0 += Panel)
            {
                int count = Math.Min(Panel, rows - r0);
                for (int c = 0; c < cols; c++)
                {
                    float* from = src + ((long)r0 * cols) + c;
                    float* to = dst + ((long)c * rows) + r0;
                    for (int r = 0; r < count; r++) to[r] = from[(long)r * cols];
                }
            }
        }
    }

    public override string ToString() => $"{Name} [{OutFeatures}×{InFeatures}] r={Rank} α={Alpha}";

    private double ComputeDeltaNorm()
    {
        var units = ReadUnits();
        int r = units.Count;
        double trace = 0;
        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < r; j++)
            {
                trace += Dot(units.UnitA(i), units.UnitA(j)) * Dot(units.UnitB(i), units.UnitB(j));
            }
        }

        return Math.Sqrt(Math.Max(0, trace)) * Math.Abs(Scale);
    }

    private static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        double s = 0;
        for (int k = 0; k < x.Length; k++) s += (double)x[k] * y[k];
        return s;
    }
}
