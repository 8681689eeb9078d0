using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;

namespace LoraLego.Merging.Dense;

/// <summary>
/// Element-wise passes over a module-sized array, split into fixed chunks. Chunk boundaries do
/// not depend on the thread count and every element is written by exactly one chunk, so results
/// are identical however many threads run.
/// </summary>
internal static class ParallelChunks
{
    public const int ChunkSize = 1 << 16;

    /// <summary>Element passes run a few times per module, too few for tiered compilation to promote them.</summary>
    public const MethodImplOptions Hot = JitHints.Hot;

    public static int Count(int length) => (length + ChunkSize - 1) / ChunkSize;

    public static void For(int length, Action<int, int, int> body) =>
        Parallel.For(0, Count(length), c => body(c, c * ChunkSize, Math.Min(length, (c + 1) * ChunkSize)));
}
