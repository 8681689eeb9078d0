using System;
using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Fuzzing;

/// <summary>
/// Turns (seed list, campaign seed, case index) into one mutated adapter, deterministically: a case
/// is replayed from its index alone. Mutations are weighted so that the structural ones (header,
/// offsets, shapes, config) get most of the cases and plain bit flips the rest.
/// </summary>
public sealed class Mutator
{
    private readonly IReadOnlyList<FuzzSeed> _seeds;
    private readonly ulong _campaignSeed;
    private readonly (string Name, int Weight, Func<FuzzSeed, FuzzRandom, Mutation?> Apply)[] _mutations;
    private readonly int _totalWeight;

    public Mutator(IReadOnlyList<FuzzSeed> seeds, ulong campaignSeed)
    {
        _seeds = seeds;
        _campaignSeed = campaignSeed;
        _mutations = TensorFileMutations.All.Concat(HeaderMutations.All).Concat(ConfigMutations.All).ToArray();
        _totalWeight = _mutations.Sum(m => m.Weight);
    }

    public IEnumerable<string> MutationNames => _mutations.Select(m => m.Name);

    public FuzzCase Case(long index)
    {
        var rng = FuzzRandom.ForCase(_campaignSeed, index);
        var seed = _seeds[rng.Next(_seeds.Count)];
        for (int attempt = 0; ; attempt++)
        {
            var pick = rng.Next(_totalWeight);
            var chosen = _mutations[0];
            foreach (var m in _mutations)
            {
                if (pick < m.Weight) { chosen = m; break; }
                pick -= m.Weight;
            }

            // Config mutations need a config; a few mutations may decline a seed (e.g. no second tensor).
            var mutation = chosen.Apply(seed, rng);
            if (mutation is null && attempt < 16) continue;
            mutation ??= new Mutation(seed.Files.ToDictionary(kv => kv.Key, kv => kv.Value), "unchanged (no mutation applied)");

            // Usually load the folder (or lone file); sometimes name the tensor file inside a PEFT folder.
            string? entry = !seed.HasConfig ? seed.TensorFile : rng.Chance(0.2) ? seed.TensorFile : null;
            if (mutation.Entry is not null) entry = mutation.Entry;
            return new FuzzCase(index, seed, chosen.Name, mutation.Detail, mutation.Files, entry);
        }
    }
}

/// <summary>What a mutation produced: the adapter's files and a description of the change.</summary>
public sealed class Mutation
{
    public Mutation(Dictionary<string, byte[]> files, string detail, string? entry = null)
    {
        Files = files;
        Detail = detail;
        Entry = entry;
    }

    public Dictionary<string, byte[]> Files { get; }

    public string Detail { get; }

    public string? Entry { get; }
}
