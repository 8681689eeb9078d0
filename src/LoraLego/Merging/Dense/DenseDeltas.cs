using System;
using System.Collections.Generic;
using System.Threading.Tasks;
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
        Parallel.For(0, chunks, c =>
        {
            int end = Math.Min(m, (c + 1) * RowChunk);
            for (int row = c * RowChunk; row < end; row++)
            {
                var dst = new Span<float>(buffer, row * n, n);
                dst.Clear();
                for (int k = 0; k < r; k++)
                {
                    float coef = (float)(block.Scale[k] * block.BT[(k * m) + row]);
                    if (coef != 0f) VectorKernels.Axpy(coef, block.UnitA(k), dst);
                }
            }
        });
    }
}
