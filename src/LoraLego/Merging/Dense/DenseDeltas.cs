using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using LoraLego.Linalg;
using LoraLego.Units;

namespace LoraLego.Merging.Dense;

/// <summary>
/// The sources of one module as dense task vectors ΔW_i = Σ_k Scale[k] b_k a_kᵀ
/// (OutFeatures × InFeatures, row-major), built on demand into a reused buffer.
/// </summary>
internal sealed class DenseDeltas : ITaskVectors
{
    private const int RowChunk = 32;
    private readonly IReadOnlyList<UnitBlock> _sources;

    public DenseDeltas(IReadOnlyList<UnitBlock> sources, int outFeatures, int inFeatures)
    {
        _sources = sources;
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Length = checked(outFeatures * inFeatures);
    }

    public int OutFeatures { get; }

    public int InFeatures { get; }

    public int Count => _sources.Count;

    public int Length { get; }

    public void Fill(int task, float[] buffer) => Fill(_sources[task], buffer);

    /// <summary>Rows are independent: each is a short sum of scaled rows of A, so rows split across threads.</summary>
    public static void Fill(UnitBlock block, float[] buffer)
    {
        int m = block.OutFeatures, n = block.InFeatures, r = block.Count;
        int chunks = (m + RowChunk - 1) / RowChunk;
        Parallel.For(0, chunks, [MethodImpl(ParallelChunks.Hot)] (c) =>
        {
            int end = Math.Min(m, (c + 1) * RowChunk);
            for (int row = c * RowChunk; row < end; row++)
            {
                var dst = new Span<float>(buffer, row * n, n);
                dst.Clear();
                int k = 0;
                for (; k + 4 <= r; k += 4)
                {
                    VectorKernels.Axpy4(Coef(block, k, row), Coef(block, k + 1, row), Coef(block, k + 2, row), Coef(block, k + 3, row), block.UnitA(k), block.UnitA(k + 1), block.UnitA(k + 2), block.UnitA(k + 3), dst);
                }

                for (; k < r; k++) VectorKernels.Axpy(Coef(block, k, row), block.UnitA(k), dst);
            }
        });
    }

    private static float Coef(UnitBlock block, int unit, int row) => (float)(block.Scale[unit] * block.BT[(unit * block.OutFeatures) + row]);
}
