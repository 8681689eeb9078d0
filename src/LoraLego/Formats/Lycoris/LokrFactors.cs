using System;
using LoraLego.Adapters;
using LoraLego.SafeTensors;

namespace LoraLego.Formats.Lycoris;

/// <summary>
/// LoKr: ΔW = kron(w1, w2) reshaped row-major to the layer (LyCORIS functional/lokr.py make_kron, ComfyUI
/// weight_adapter/lokr.py; a conv's w1 [a, c] is unsqueezed to [a, c, 1, 1] against w2 [b, d, kh, kw]), so
/// ΔW[(p·b + q), (s·d·kh·kw + t)] = w1[p, s] · w2[q, t] with w2 flattened to [b, d·kh·kw]. Each of w1, w2 is a
/// low-rank part (w_a·w_b, a Tucker core, or a full matrix factored by its SVD), and the mixed-product rule
/// kron(U1 D1, U2 D2) = kron(U1, U2) · kron(D1, D2) makes it exactly a LoRA of rank r1·r2: unit (i, j), at
/// index i·r2 + j, has B column kron(u1_i, u2_j) and A row kron(d1_i, d2_j).
/// </summary>
internal sealed class LokrFactors : ComputedFactors
{
    private readonly LowRankPart _w1;
    private readonly LowRankPart _w2;

    public LokrFactors(LowRankPart w1, LowRankPart w2)
        : base(Both(w1, w2), checked(w1.Rank * w2.Rank), checked(w1.Rows * w2.Rows), checked(w1.Cols * w2.InChannels), w2.Kernel)
    {
        _w1 = w1;
        _w2 = w2;
    }

    public override string AKey => _w2.DownKey;

    public override string BKey => _w2.UpKey;

    public override NetworkType Network => NetworkType.LoKr;

    public override void Read(SafeTensorReader reader, Span<float> a, Span<float> b)
    {
        int r1 = _w1.Rank, r2 = _w2.Rank, rows1 = _w1.Rows, rows2 = _w2.Rows, cols1 = _w1.Cols, cols2 = _w2.Cols;
        var (u1, d1) = _w1.Read(reader);
        var (u2, d2) = _w2.Read(reader);

        int cols = InFeatures;
        for (int i = 0; i < r1; i++)
        {
            for (int j = 0; j < r2; j++)
            {
                var target = a.Slice(((i * r2) + j) * cols, cols);
                var row2 = d2.AsSpan(j * cols2, cols2);
                for (int s = 0; s < cols1; s++)
                {
                    float x = d1[(i * cols1) + s];
                    var block = target.Slice(s * cols2, cols2);
                    for (int t = 0; t < cols2; t++) block[t] = x * row2[t];
                }
            }
        }

        int rank = Rank;
        for (int p = 0; p < rows1; p++)
        {
            for (int q = 0; q < rows2; q++)
            {
                var target = b.Slice(((p * rows2) + q) * rank, rank);
                for (int i = 0; i < r1; i++)
                {
                    float x = u1[(p * r1) + i];
                    for (int j = 0; j < r2; j++) target[(i * r2) + j] = x * u2[(q * r2) + j];
                }
            }
        }
    }
}
