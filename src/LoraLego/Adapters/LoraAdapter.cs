using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using LoraLego.SafeTensors;

namespace LoraLego.Adapters;

/// <summary>
/// One LoRA adapter as read from disk: its modules (with per-module rank, alpha and scale after
/// every format rule), the tensors that are not LoRA factors, and the config/metadata it came with.
/// Immutable; tensor data is read on demand from <see cref="TensorFilePath"/>.
/// </summary>
public sealed class LoraAdapter
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();
    private IReadOnlyList<LoraModule> _modules = Array.Empty<LoraModule>();
    private IReadOnlyList<ExtraTensor> _extras = Array.Empty<ExtraTensor>();
    private Dictionary<string, LoraModule> _byName = new(StringComparer.Ordinal);

    internal LoraAdapter(string name, string path, SafeTensorFile tensorFile, AdapterFormat format)
    {
        Name = name;
        Path = path;
        TensorFile = tensorFile;
        Format = format;
        Metadata = tensorFile.Metadata ?? NoMetadata;
        Training = TrainingInfo.From(Metadata);
    }

    public string Name { get; }

    /// <summary>Full path as loaded: the PEFT folder, or the adapter file.</summary>
    public string Path { get; }

    public string TensorFilePath => TensorFile.Path;

    /// <summary>adapter_config.json for PEFT adapters, else null.</summary>
    public string? ConfigPath { get; internal set; }

    public AdapterFormat Format { get; }

    public string? BaseModel { get; internal set; }

    /// <summary>
    /// The base model the adapter's keys name (StableDiffusion1, StableDiffusionXL, Transformers, ...);
    /// Unknown when no family's layers match its keys. Adapters of different families never merge.
    /// </summary>
    public ModelFamily Family { get; private set; } = ModelFamily.Unknown;

    /// <summary>Sorted distinct pipeline components the modules adapt (unet, text_encoder, ...); empty for a transformers model.</summary>
    public IReadOnlyList<string> Components { get; private set; } = Array.Empty<string>();

    /// <summary>
    /// Every family the adapter fits as well as <see cref="Family"/> (an SD UNet adapter on self-attention
    /// alone fits SD 1.x and 2.x alike); what the family-mixing check compares.
    /// </summary>
    internal IReadOnlyList<ModelFamily> CompatibleFamilies { get; private set; } = new[] { ModelFamily.Unknown };

    /// <summary>"8" when every module has rank 8, "4-8" when ranks vary.</summary>
    public string Rank => MinRank == MaxRank
        ? MinRank.ToString(CultureInfo.InvariantCulture)
        : $"{MinRank.ToString(CultureInfo.InvariantCulture)}-{MaxRank.ToString(CultureInfo.InvariantCulture)}";

    public int MinRank { get; private set; }

    public int MaxRank { get; private set; }

    /// <summary>The alpha every module shares; null when it varies between modules (or there are none).</summary>
    public double? Alpha { get; private set; }

    /// <summary>Sorted distinct leaf names of the modules (e.g. c_attn, to_q, to_out.0).</summary>
    public IReadOnlyList<string> TargetModules { get; private set; } = Array.Empty<string>();

    public int ModuleCount => _modules.Count;

    /// <summary>Number of LoRA factor values (A and B of every module); extra tensors not counted.</summary>
    public long ParameterCount { get; private set; }

    /// <summary>Distinct dtypes of the LoRA factors, sorted and comma-joined ("F32", "F16,F32").</summary>
    public string DType { get; private set; } = string.Empty;

    /// <summary>Length of the tensor file in bytes.</summary>
    public long SizeBytes => TensorFile.FileLength;

    /// <summary>The safetensors __metadata__ (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The kohya ss_* / modelspec.* training description in <see cref="Metadata"/>; null when the file has none.</summary>
    public TrainingInfo? Training { get; }

    public IReadOnlyList<ExtraTensor> ExtraTensors => _extras;

    /// <summary>The distinct network types of the modules (Lora, LoCon, LoHa, LoKr), in that order.</summary>
    public IReadOnlyList<NetworkType> NetworkTypes { get; private set; } = Array.Empty<NetworkType>();

    /// <summary>Modules in natural name order (h.2 before h.10).</summary>
    public IReadOnlyList<LoraModule> Modules => _modules;

    /// <summary>DoRA adapter (lora_magnitude_vector / dora_scale tensors or use_dora). Not rank-wise separable.</summary>
    public bool IsDora { get; internal set; }

    public bool UseRsLora { get; internal set; }

    /// <summary>PEFT fan_in_fan_out (GPT-2 Conv1D): the base weight is stored transposed relative to B·A.</summary>
    public bool FanInFanOut { get; internal set; }

    public string? TaskType { get; internal set; }

    /// <summary>PEFT modules_to_save (heads saved whole, e.g. score), empty when none.</summary>
    public IReadOnlyList<string> ModulesToSave { get; internal set; } = Array.Empty<string>();

    /// <summary>Things that load but look wrong (e.g. a rank_pattern key matching no module); Get-LoraAdapter shows them as warnings.</summary>
    public IReadOnlyList<string> Warnings { get; internal set; } = Array.Empty<string>();

    /// <summary>Raw adapter_config.json text (unknown fields kept), null for formats without a config.</summary>
    public string? ConfigJson { get; internal set; }

    internal SafeTensorFile TensorFile { get; }

    public LoraModule? GetModule(string name) => _byName.TryGetValue(name, out var m) ? m : null;

    /// <summary>SHA-256 (lowercase hex) of the whole tensor file, for provenance.</summary>
    public string ComputeSha256() => ComputeSha256(CancellationToken.None);

    /// <summary>As <see cref="ComputeSha256()"/>, checking <paramref name="cancellationToken"/> between reads.</summary>
    public string ComputeSha256(CancellationToken cancellationToken)
    {
        // 1 MiB reads straight into the hash's buffer (the stream itself unbuffered): one copy out of
        // the page cache and one native hash call per MiB, instead of 4 KiB calls through a 64 KiB buffer.
        const int ReadSize = 1 << 20;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(TensorFilePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, ReadSize)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sha.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return string.Concat(sha.GetHashAndReset().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    public override string ToString() => $"{Name} ({Format}, rank {Rank}, {ModuleCount} modules)";

    /// <summary>Called by the reader with the family its keys matched (before <see cref="Attach"/>).</summary>
    internal void SetFamily(ModelFamily family, IReadOnlyList<ModelFamily> compatible)
    {
        Family = family;
        CompatibleFamilies = compatible.Count == 0 ? new[] { family } : compatible;
    }

    /// <summary>Called once by the reader after the modules (which point back here) exist.</summary>
    /// <remarks>
    /// One pass with plain loops: every adapter a process reads comes through here, and on the first
    /// read each lambda and each generic instantiation over an enum is compiled afresh (measured in
    /// docs/benchmarks.md, "Get-LoraAdapter with module identities").
    /// </remarks>
    internal void Attach(IEnumerable<LoraModule> modules, IEnumerable<ExtraTensor> extras)
    {
        var list = new List<LoraModule>(modules);
        list.Sort(CompareModuleNames);
        _modules = list.AsReadOnly();
        var extraList = new List<ExtraTensor>(extras);
        extraList.Sort(CompareExtraNames);
        _extras = extraList.AsReadOnly();
        _byName = new Dictionary<string, LoraModule>(list.Count, StringComparer.Ordinal);
        var components = new SortedSet<string>(StringComparer.Ordinal);
        var leaves = new SortedSet<string>(StringComparer.Ordinal);
        var dtypes = new SortedSet<string>(StringComparer.Ordinal);
        var types = new bool[(int)NetworkType.LoKr + 1];
        int min = int.MaxValue, max = 0;
        double? alpha = null;
        bool oneAlpha = true;
        long parameters = 0;
        foreach (var m in list)
        {
            _byName.Add(m.Name, m);
            min = Math.Min(min, m.Rank);
            max = Math.Max(max, m.Rank);
            if (alpha is null) alpha = m.Alpha;
            else if (alpha.Value != m.Alpha && !(double.IsNaN(alpha.Value) && double.IsNaN(m.Alpha))) oneAlpha = false;
            if (m.Identity.Component.Length > 0) components.Add(m.Identity.Component);
            leaves.Add(m.LeafName);
            parameters += m.ParameterCount;
            types[(int)m.NetworkType] = true;
            foreach (var d in m.DType.Split(',')) dtypes.Add(d);
        }

        MinRank = list.Count == 0 ? 0 : min;
        MaxRank = list.Count == 0 ? 0 : max;
        Alpha = oneAlpha ? alpha : null;
        Components = new List<string>(components).AsReadOnly();
        TargetModules = new List<string>(leaves).AsReadOnly();
        ParameterCount = parameters;
        var present = new List<NetworkType>();
        for (int t = 0; t < types.Length; t++)
        {
            if (types[t]) present.Add((NetworkType)t);
        }

        NetworkTypes = present.ToArray();
        DType = string.Join(",", dtypes);
    }

    private static int CompareModuleNames(LoraModule x, LoraModule y) => NaturalStringComparer.Instance.Compare(x.Name, y.Name);

    private static int CompareExtraNames(ExtraTensor x, ExtraTensor y) => NaturalStringComparer.Instance.Compare(x.Name, y.Name);
}
