using System.Linq;
using MathNet.Numerics.LinearAlgebra;

namespace LoraLego.Tests.Formats;

/// <summary>
/// Dense LyCORIS deltas computed straight from the LyCORIS formulas with plain index loops (float64), independently
/// of the engine: the einsums of lycoris/functional (loha.py, lokr.py, general.py rebuild_tucker) and
/// lycoris/modules/locon.py, the Hadamard product, and torch.kron on the unsqueezed w1 followed by a row-major
/// reshape to [out, in·kh·kw].
/// </summary>
internal static class LycorisReference
{
    /// <summary>A tensor as stored: row-major values and shape.</summary>
    internal sealed record Tensor(float[] Data, long[] Shape)
    {
        public int Dim(int i) => (int)Shape[i];

        /// <summary>Product of the dims from <paramref name="from"/> on.</summary>
        public int Tail(int from) => (int)Shape.Skip(from).Aggregate(1L, (p, d) => p * d);

        public static Tensor Of(TestTensor t) => new(t.Data, t.Shape);
    }

    /// <summary>up [rows, r] · down [r, ...] as a rows × (product of down's trailing dims) matrix.</summary>
    public static double[,] MatMul(Tensor up, Tensor down)
    {
        int rows = up.Dim(0), r = up.Dim(1), cols = down.Tail(1);
        var m = new double[rows, cols];
        for (int o = 0; o < rows; o++)
            for (int c = 0; c < cols; c++)
                for (int i = 0; i < r; i++) m[o, c] += (double)up.Data[(o * r) + i] * down.Data[(i * cols) + c];
        return m;
    }

    /// <summary>
    /// einsum("i j k l, j r, i p -> p r k l", t, wb, wa) (LoHa hada_t/LoKr lokr_t2, up stored [r, out]) as an
    /// out × (in·kh·kw) matrix, column (c·K + k).
    /// </summary>
    public static double[,] TuckerRebuild(Tensor t, Tensor wa, Tensor wb)
    {
        int ri = t.Dim(0), rj = t.Dim(1), kernel = t.Tail(2), outs = wa.Dim(1), ins = wb.Dim(1);
        var m = new double[outs, ins * kernel];
        for (int p = 0; p < outs; p++)
            for (int r = 0; r < ins; r++)
                for (int k = 0; k < kernel; k++)
                {
                    double s = 0;
                    for (int i = 0; i < ri; i++)
                        for (int j = 0; j < rj; j++)
                            s += (double)t.Data[(((i * rj) + j) * kernel) + k] * wb.Data[(j * ins) + r] * wa.Data[(i * outs) + p];
                    m[p, (r * kernel) + k] = s;
                }
        return m;
    }

    /// <summary>
    /// LyCORIS LoCon make_weight with a core: einsum("i j k l, p i, j r -> p r k l", mid, up, down), the same
    /// contraction as <see cref="TuckerRebuild"/> with up stored [out, r] instead of [r, out].
    /// </summary>
    public static double[,] LoconTucker(Tensor up, Tensor mid, Tensor down)
    {
        int outs = up.Dim(0), r = up.Dim(1);
        var upT = new float[r * outs];
        for (int p = 0; p < outs; p++)
            for (int i = 0; i < r; i++) upT[(i * outs) + p] = up.Data[(p * r) + i];
        return TuckerRebuild(mid, new Tensor(upT, new long[] { r, outs }), new Tensor(down.Data, new long[] { down.Dim(0), down.Dim(1) }));
    }

    /// <summary>A stored full matrix [rows, ...] as rows × rest.</summary>
    public static double[,] Full(Tensor w)
    {
        int rows = w.Dim(0), cols = w.Tail(1);
        var m = new double[rows, cols];
        for (int o = 0; o < rows; o++)
            for (int c = 0; c < cols; c++) m[o, c] = w.Data[(o * cols) + c];
        return m;
    }

    public static double[,] Hadamard(double[,] x, double[,] y)
    {
        var m = new double[x.GetLength(0), x.GetLength(1)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int j = 0; j < x.GetLength(1); j++) m[i, j] = x[i, j] * y[i, j];
        return m;
    }

    /// <summary>
    /// torch.kron(w1[..., None, None], w2) for w2 [b, d, kernel] then reshape to [a·b, c·d·kernel]: entry
    /// [(p·b + q), ((s·d + t)·kernel + k)] = w1[p, s] · w2[q, t, k].
    /// </summary>
    public static double[,] Kron(double[,] w1, double[,] w2, int w2InChannels)
    {
        int a = w1.GetLength(0), c = w1.GetLength(1), b = w2.GetLength(0), d = w2InChannels, kernel = w2.GetLength(1) / d;
        var m = new double[a * b, c * d * kernel];
        for (int p = 0; p < a; p++)
            for (int q = 0; q < b; q++)
                for (int s = 0; s < c; s++)
                    for (int t = 0; t < d; t++)
                        for (int k = 0; k < kernel; k++)
                            m[(p * b) + q, (((s * d) + t) * kernel) + k] = w1[p, s] * w2[q, (t * kernel) + k];
        return m;
    }

    public static Matrix<double> Scaled(double[,] m, double scale) => Matrix<double>.Build.DenseOfArray(m) * scale;
}
