using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Formats;
using LoraLego.Units;

namespace LoraLego.Tests.Formats.Writing;

/// <summary>Output modules with given identities and deterministic units, written through the engine's writer.</summary>
internal sealed class CraftedOutput
{
    public List<OutputModule> Modules { get; } = new();

    public Dictionary<string, UnitBlock> Units { get; } = new(StringComparer.Ordinal);

    /// <summary>A module of <paramref name="identity"/> with rank <paramref name="rank"/> and every unit at <paramref name="scale"/>.</summary>
    public CraftedOutput Add(ModuleIdentity identity, int inF, int outF, int rank, double scale, ulong seed, ModuleKind kind = ModuleKind.Linear, double? alpha = null)
    {
        var a = TestFiles.Values(rank * inF, seed);
        var bt = TestFiles.Values(rank * outF, seed + 7777);
        Units[identity.Key] = new UnitBlock(inF, outF, a, bt, Enumerable.Repeat(scale, rank).ToArray());
        Modules.Add(new OutputModule(identity.Key, kind, inF, outF, rank, identity: identity, alpha: alpha, scale: alpha is null ? null : scale));
        return this;
    }

    public string Write(string target, AdapterWriteOptions options) =>
        AdapterWriter.Write(target, Modules, (m, _) => Units[m.Name], options, CancellationToken.None);
}
