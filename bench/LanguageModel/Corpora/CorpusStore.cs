using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace LoraLego.Bench.LanguageModel.Corpora;

/// <summary>A domain's bytes cut into train (first 90 %), validation (next 5 %) and test (last 5 %).</summary>
internal sealed record CorpusSplit(string Domain, byte[] Train, byte[] Validation, byte[] Test);

/// <summary>
/// The prepared corpora in the cache: one &lt;domain&gt;.txt per domain, its documents in a fixed
/// shuffled order (so train, validation and test each see every kind of document) and capped in size.
/// </summary>
internal static class CorpusStore
{
    public const int DefaultCapBytes = 4 << 20;

    public static string PathOf(string cache, string domain) => Path.Combine(cache, "corpora", domain + ".txt");

    /// <summary>Gathers every named domain that is missing from the cache; says plainly which are unavailable and goes on.</summary>
    public static IReadOnlyList<string> Prepare(string cache, IEnumerable<string> domains, int capBytes, Action<string> log)
    {
        var fetcher = new DomainFetcher(Path.Combine(cache, "scratch"), log);
        var ready = new List<string>();
        foreach (var name in domains)
        {
            string path = PathOf(cache, name);
            if (File.Exists(path))
            {
                ready.Add(name);
                continue;
            }

            var domain = DomainCatalog.Get(name);
            try
            {
                var docs = domain.Gather(fetcher);
                var bytes = Concatenate(docs, capBytes);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path + ".tmp", bytes);
                File.Move(path + ".tmp", path, true);
                log($"{name}: {docs.Count} documents, {bytes.Length / 1e6:F1} MB → {path}");
                ready.Add(name);
            }
            catch (DomainUnavailableException e)
            {
                log($"{name}: UNAVAILABLE on this machine ({e.Message}); continuing without it.");
            }
        }

        return ready;
    }

    public static CorpusSplit Load(string cache, string domain)
    {
        string path = PathOf(cache, domain);
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus '{domain}' is not prepared ({path}); run the 'prepare' mode first.", path);
        var all = File.ReadAllBytes(path);
        int a = (int)(all.Length * 0.90), b = (int)(all.Length * 0.95);
        return new CorpusSplit(domain, all[..a], all[a..b], all[b..]);
    }

    /// <summary>Documents in a seeded shuffled order, separated by a blank line, up to the cap.</summary>
    private static byte[] Concatenate(IReadOnlyList<byte[]> docs, int capBytes)
    {
        var rng = new Random(12345);
        var order = Enumerable.Range(0, docs.Count).OrderBy(_ => rng.Next()).ToList();
        using var ms = new MemoryStream();
        foreach (int i in order)
        {
            if (ms.Length >= capBytes) break;
            var d = docs[i];
            ms.Write(d, 0, (int)Math.Min(d.Length, capBytes - ms.Length));
            ms.WriteByte((byte)'\n');
            ms.WriteByte((byte)'\n');
        }

        return ms.ToArray();
    }
}
