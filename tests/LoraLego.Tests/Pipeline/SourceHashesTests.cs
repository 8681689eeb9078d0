using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Pipeline;
using LoraLego.Tests.Formats;
using Xunit;

namespace LoraLego.Tests.Pipeline;

/// <summary>Hashing the sources on worker threads gives the hashes of hashing them one by one, and of the files' bytes.</summary>
public sealed class SourceHashesTests
{
    private static string Sha256OfBytes(string path)
    {
        using var sha = SHA256.Create();
        return Convert.ToHexString(sha.ComputeHash(File.ReadAllBytes(path))).ToLowerInvariant();
    }

    /// <summary>Tensor files of about 3 MiB, 1 MiB (the read size), 1.3 KiB and 4.6 MiB (80 bytes per width).</summary>
    private static LoraAdapter[] Adapters(TempFolder tmp) =>
        new[] { (40_000, 1), (13_107, 2), (16, 3), (60_000, 4) }.Select(p =>
            AdapterLoader.Load(TestFiles.WritePeft(tmp.Combine("a" + p.Item2), TestFiles.PeftConfig(4, 8),
                TestFiles.PeftLinear("m.0.q_proj", 4, p.Item1, p.Item1, (ulong)p.Item2).Concat(TestFiles.PeftLinear("m.1.v_proj", 4, p.Item1, 2 * p.Item1, (ulong)p.Item2 + 7)))))
        .ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(0)]
    public void OnWorkerThreads_SameHashesAsOneByOne(int threads)
    {
        using var tmp = new TempFolder();
        var adapters = Adapters(tmp);
        Assert.Contains(adapters, a => a.SizeBytes > 3 << 20);

        using var hashes = new SourceHashes(threads, CancellationToken.None);
        hashes.Start(adapters);
        foreach (var adapter in adapters)
        {
            var expected = Sha256OfBytes(adapter.TensorFilePath);
            Assert.Equal(expected, adapter.ComputeSha256());
            Assert.Equal(expected, hashes.Get(adapter));
        }
    }

    [RealFixtureFact]
    public void RealAdapters_SameHashesAsOneByOneAndAsTheirProvenance()
    {
        var provenance = File.ReadAllLines(Path.Combine(RealFixtures.Root!, "PROVENANCE.tsv")).Skip(1)
            .Select(l => l.Split('\t')).ToDictionary(p => p[0], p => p[2]);
        var names = RealFixtureTests.Fixtures;
        var adapters = names.Select(n => AdapterLoader.Load(RealFixtures.Folder(n))).ToArray();

        using var hashes = new SourceHashes(0, CancellationToken.None);
        hashes.Start(adapters);
        for (int i = 0; i < adapters.Length; i++)
        {
            Assert.Equal(provenance[names[i] + "/adapter_model.safetensors"], hashes.Get(adapters[i]));
            Assert.Equal(adapters[i].ComputeSha256(), hashes.Get(adapters[i]));
        }
    }

    [Fact]
    public void AnAdapterNotStarted_IsHashedWhenAskedFor()
    {
        using var tmp = new TempFolder();
        var adapter = Adapters(tmp)[2];
        using var hashes = new SourceHashes(1, CancellationToken.None);
        Assert.Equal(Sha256OfBytes(adapter.TensorFilePath), hashes.Get(adapter));
    }

    [Fact]
    public void Cancelled_GetThrowsOperationCanceled()
    {
        using var tmp = new TempFolder();
        var adapters = Adapters(tmp);
        using var stop = new CancellationTokenSource();
        using var hashes = new SourceHashes(1, stop.Token);
        stop.Cancel();
        hashes.Start(adapters);
        Assert.ThrowsAny<OperationCanceledException>(() => hashes.Get(adapters[0]));
    }

    [Fact]
    public void AFileThatIsGone_IsTheReadErrorItself()
    {
        using var tmp = new TempFolder();
        var adapter = Adapters(tmp)[0];
        File.Delete(adapter.TensorFilePath);
        using var hashes = new SourceHashes(1, CancellationToken.None);
        hashes.Start(new[] { adapter });
        Assert.ThrowsAny<IOException>(() => hashes.Get(adapter));
    }

    [Fact]
    public void Pending_IsAsLongAsAHash()
    {
        using var tmp = new TempFolder();
        Assert.Equal(Adapters(tmp)[2].ComputeSha256().Length, SourceHashes.Pending.Length);
    }
}
