using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Units;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LoraLego.Bench.LanguageModel.Model;

/// <summary>
/// A LoRA being trained: per target module A (r × in, uniform ±1/√in, as PEFT) and B (out × r, zero),
/// contributing (α/r)·B·A to the module's weight.
/// </summary>
internal sealed class TrainableLora : IDisposable
{
    private readonly Dictionary<string, (Parameter A, Parameter B)> _factors = new(StringComparer.Ordinal);

    public TrainableLora(ModelConfig config, int rank, double alpha, long seed)
    {
        Rank = rank;
        Alpha = alpha;
        torch.manual_seed(seed);
        foreach (var (name, i, o) in config.TargetModules())
        {
            double bound = 1.0 / Math.Sqrt(i);
            var a = new Parameter((rand(rank, i) * 2 - 1) * bound, requires_grad: true);
            var b = new Parameter(zeros(o, rank), requires_grad: true);
            _factors[name] = (a, b);
        }
    }

    public int Rank { get; }

    public double Alpha { get; }

    public double Scale => Alpha / Rank;

    public IEnumerable<Parameter> Parameters => _factors.Values.SelectMany(f => new[] { f.A, f.B });

    public Tensor WeightOf(string module, Tensor baseWeight) =>
        _factors.TryGetValue(module, out var f) ? baseWeight + f.B.matmul(f.A) * Scale : baseWeight;

    /// <summary>The trained factors as the engine's unit blocks (unit i = column i of B with row i of A, scale α/r).</summary>
    public Dictionary<string, UnitBlock> ToUnitBlocks()
    {
        var blocks = new Dictionary<string, UnitBlock>(StringComparer.Ordinal);
        foreach (var (name, (a, b)) in _factors)
        {
            var aData = a.detach().contiguous().data<float>().ToArray();
            var btData = b.detach().t().contiguous().data<float>().ToArray();
            int inF = (int)a.shape[1], outF = (int)b.shape[0];
            blocks[name] = new UnitBlock(inF, outF, aData, btData, Enumerable.Repeat(Scale, Rank).ToArray());
        }

        return blocks;
    }

    public void Dispose()
    {
        foreach (var (a, b) in _factors.Values)
        {
            a.Dispose();
            b.Dispose();
        }
    }
}
