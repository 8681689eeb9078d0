using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LoraLego.Bench.LanguageModel.Model;

/// <summary>
/// A pre-LayerNorm decoder-only transformer over bytes, held as named tensors (no nn.Module tree) so a
/// forward pass can swap any linear weight for W + ΔW: a training LoRA's scale·B·A or a merged
/// adapter's dense delta. Linear weights are named &lt;module&gt;.weight, out × in, as in PyTorch.
/// </summary>
internal sealed class TinyTransformer : IDisposable
{
    private readonly Dictionary<string, Parameter> _weights;

    private TinyTransformer(ModelConfig config, Dictionary<string, Parameter> weights)
    {
        Config = config;
        _weights = weights;
    }

    public ModelConfig Config { get; }

    public IEnumerable<Parameter> Parameters => _weights.Values;

    /// <summary>A freshly initialised model (normal(0, 0.02); residual outputs scaled by 1/√(2L)).</summary>
    public static TinyTransformer Create(ModelConfig c, long seed)
    {
        torch.manual_seed(seed);
        var w = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        void Add(string name, Tensor t) => w[name] = new Parameter(t, requires_grad: true);
        Add("embed.weight", randn(ModelConfig.Vocab, c.Dim) * 0.02);
        Add("pos.weight", randn(c.Context, c.Dim) * 0.02);
        double residual = 0.02 / Math.Sqrt(2.0 * c.Layers);
        for (int l = 0; l < c.Layers; l++)
        {
            foreach (var ln in new[] { "ln1", "ln2" })
            {
                Add(ModelConfig.ModuleName(l, ln) + ".weight", ones(c.Dim));
                Add(ModelConfig.ModuleName(l, ln) + ".bias", zeros(c.Dim));
            }

            foreach (var (leaf, i, o) in c.Projections())
            {
                double std = leaf is "self_attn.o_proj" or "mlp.fc2" ? residual : 0.02;
                Add(ModelConfig.ModuleName(l, leaf) + ".weight", randn(o, i) * std);
            }

            Add(ModelConfig.ModuleName(l, "mlp.fc1") + ".bias", zeros(c.Hidden));
            Add(ModelConfig.ModuleName(l, "mlp.fc2") + ".bias", zeros(c.Dim));
        }

        Add("norm.weight", ones(c.Dim));
        Add("norm.bias", zeros(c.Dim));
        return new TinyTransformer(c, w);
    }

    /// <summary>Next-byte logits [B, T, 256]. <paramref name="weightOf"/> may replace a linear layer's weight (module name, base weight).</summary>
    public Tensor Forward(Tensor tokens, Func<string, Tensor, Tensor>? weightOf = null)
    {
        var c = Config;
        long b = tokens.shape[0], t = tokens.shape[1];
        Tensor W(string module)
        {
            var baseWeight = _weights[module + ".weight"];
            return weightOf is null ? baseWeight : weightOf(module, baseWeight);
        }

        var x = _weights["embed.weight"].index_select(0, tokens.reshape(-1)).view(b, t, c.Dim)
            + _weights["pos.weight"].narrow(0, 0, t).unsqueeze(0);
        int dh = c.Dim / c.Heads;
        for (int l = 0; l < c.Layers; l++)
        {
            string M(string leaf) => ModelConfig.ModuleName(l, leaf);
            var h = F.layer_norm(x, new long[] { c.Dim }, _weights[M("ln1") + ".weight"], _weights[M("ln1") + ".bias"]);
            Tensor Heads(Tensor y) => y.view(b, t, c.Heads, dh).transpose(1, 2);
            var q = Heads(F.linear(h, W(M("self_attn.q_proj"))));
            var k = Heads(F.linear(h, W(M("self_attn.k_proj"))));
            var v = Heads(F.linear(h, W(M("self_attn.v_proj"))));
            var att = F.scaled_dot_product_attention(q, k, v, null, 0.0, true).transpose(1, 2).reshape(b, t, c.Dim);
            x = x + F.linear(att, W(M("self_attn.o_proj")));
            h = F.layer_norm(x, new long[] { c.Dim }, _weights[M("ln2") + ".weight"], _weights[M("ln2") + ".bias"]);
            h = F.gelu(F.linear(h, W(M("mlp.fc1")), _weights[M("mlp.fc1") + ".bias"]));
            x = x + F.linear(h, W(M("mlp.fc2")), _weights[M("mlp.fc2") + ".bias"]);
        }

        x = F.layer_norm(x, new long[] { c.Dim }, _weights["norm.weight"], _weights["norm.bias"]);
        return F.linear(x, _weights["embed.weight"]); // tied output head
    }

    /// <summary>Mean next-byte cross-entropy (nats) of a [B, T+1] batch.</summary>
    public Tensor Loss(Tensor batch, Func<string, Tensor, Tensor>? weightOf = null)
    {
        long t = batch.shape[1] - 1;
        var input = batch.narrow(1, 0, t);
        var target = batch.narrow(1, 1, t);
        var logits = Forward(input, weightOf);
        return F.cross_entropy(logits.reshape(-1, ModelConfig.Vocab), target.reshape(-1));
    }

    public void Freeze()
    {
        foreach (var p in _weights.Values) p.requires_grad = false;
    }

    /// <summary>Saves config and weights (float32, little-endian) to a temp file, then renames it into place.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temp = path + ".tmp";
        using (var bw = new BinaryWriter(File.Create(temp)))
        {
            bw.Write("LLTT1");
            bw.Write(Config.Dim);
            bw.Write(Config.Layers);
            bw.Write(Config.Heads);
            bw.Write(Config.Context);
            bw.Write(_weights.Count);
            foreach (var (name, p) in _weights.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                bw.Write(name);
                bw.Write(p.shape.Length);
                foreach (long d in p.shape) bw.Write(d);
                foreach (float f in p.detach().contiguous().data<float>().ToArray()) bw.Write(f);
            }
        }

        File.Move(temp, path, true);
    }

    public static TinyTransformer Load(string path)
    {
        using var br = new BinaryReader(File.OpenRead(path));
        if (br.ReadString() != "LLTT1") throw new InvalidDataException($"{path} is not a saved TinyTransformer.");
        var config = new ModelConfig(br.ReadInt32(), br.ReadInt32(), br.ReadInt32(), br.ReadInt32());
        int n = br.ReadInt32();
        var w = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            string name = br.ReadString();
            var shape = new long[br.ReadInt32()];
            for (int d = 0; d < shape.Length; d++) shape[d] = br.ReadInt64();
            var data = new float[shape.Aggregate(1L, (a, x) => a * x)];
            for (int j = 0; j < data.Length; j++) data[j] = br.ReadSingle();
            w[name] = new Parameter(tensor(data, shape), requires_grad: false);
        }

        return new TinyTransformer(config, w);
    }

    public void Dispose()
    {
        foreach (var p in _weights.Values) p.Dispose();
    }
}
