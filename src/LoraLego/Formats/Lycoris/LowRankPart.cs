using System;
using System.Collections.Generic;
using System.Linq;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using LoraLego.Linalg;
using LoraLego.SafeTensors;

namespace LoraLego.Formats.Lycoris;

/// <summary>
/// One matrix M = U·D (Rows × Cols, Cols = in·kh·kw) that a LyCORIS network is built from, read as its
/// two factors: U (Rows × Rank) and D (Rank × Cols). LoHa multiplies two such parts element-wise, LoKr
/// takes their Kronecker product, LoCon-Tucker is one part. Shapes are checked at load; no tensor is
/// read until <see cref="Read"/>.
/// </summary>
internal abstract class LowRankPart
{
    protected LowRankPart(int rows, int rank, long inChannels, IReadOnlyList<long> kernel)
    {
        Rows = rows;
        Rank = rank;
        InChannels = inChannels;
        Kernel = kernel;
        Cols = checked((int)(inChannels * kernel.Aggregate(1L, (p, d) => checked(p * d))));
    }

    public int Rows { get; }

    public int Cols { get; }

    public int Rank { get; }

    /// <summary>Input channels (Cols without the kernel).</summary>
    public long InChannels { get; }

    /// <summary>Kernel dimensions ([kh, kw] for a conv, empty when the tensors do not say).</summary>
    public IReadOnlyList<long> Kernel { get; }

    /// <summary>The stored tensor U comes from (named in messages).</summary>
    public abstract string UpKey { get; }

    /// <summary>The stored tensor D comes from.</summary>
    public abstract string DownKey { get; }

    public abstract IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>U (Rows × Rank, row-major) and D (Rank × Cols, row-major), read and computed now.</summary>
    public (float[] Up, float[] Down) Read(SafeTensorReader reader)
    {
        var up = new float[(long)Rows * Rank];
        var down = new float[(long)Rank * Cols];
        Fill(reader, up, down);
        return (up, down);
    }

    /// <summary>Fills <paramref name="up"/> (Rows × Rank) and <paramref name="down"/> (Rank × Cols), given zeroed.</summary>
    protected abstract void Fill(SafeTensorReader reader, float[] up, float[] down);

    /// <summary>Up [rows, r] (or [rows, r, 1, 1]) times down [r, cols] (or [r, in, kh, kw]).</summary>
    public static LowRankPart Stored(string file, string module, TensorInfo up, TensorInfo down) => new StoredPart(file, module, up, down);

    /// <summary>
    /// A Tucker core: M[o, (c, k)] = Σ_i Σ_j up[o, i] · core[i, j, k] · down[j, c]. LoHa's hada_t and LoKr's lokr_t2
    /// store up transposed ([r, rows]); LoCon's lora_up is [rows, r, 1, 1].
    /// </summary>
    public static LowRankPart Tucker(string file, string module, TensorInfo up, bool upTransposed, TensorInfo core, TensorInfo down) =>
        new TuckerPart(file, module, up, upTransposed, core, down);

    /// <summary>A full matrix [rows, cols] (or [rows, in, kh, kw]), factored exactly by its SVD.</summary>
    public static LowRankPart Full(string file, string module, TensorInfo w) => new FullPart(file, module, w);

    protected static float[] ReadAll(SafeTensorReader reader, TensorInfo t)
    {
        var x = new float[t.ElementCount];
        reader.ReadFloat32(t, x);
        return x;
    }

    protected static void Check(bool ok, string file, string module, string what)
    {
        if (!ok) throw new AdapterException(AdapterErrorIds.LoraShapeMismatch, LoraErrorCategory.InvalidData, file, $"{file}: module '{module}': {what}.", module);
    }

    protected static string Shape(TensorInfo t) => $"{t.Name} [{FactorShapes.Dims(t)}]";

    protected static int Int(long value, string file, string module, TensorInfo t)
    {
        Check(value > 0 && value <= int.MaxValue, file, module, $"{Shape(t)} has an empty or too large dimension");
        return (int)value;
    }

    protected static long Dim(TensorInfo t, int i) => t.Shape.Count > i ? t.Shape[i] : 0;

    private static bool TrailingOnes(TensorInfo t, int from) => t.Shape.Skip(from).All(d => d == 1);

    private sealed class StoredPart : LowRankPart
    {
        private readonly TensorInfo _up;
        private readonly TensorInfo _down;

        public StoredPart(string file, string module, TensorInfo up, TensorInfo down)
            : base(Int(Dim(up, 0), file, module, up), Int(Dim(down, 0), file, module, down), Dim(down, 1), down.Shape.Skip(2).ToArray())
        {
            Check(up.Shape.Count >= 2 && TrailingOnes(up, 2) && down.Shape.Count >= 2, file, module, $"{Shape(up)} and {Shape(down)} are not an up/down pair");
            Check(up.Shape[1] == down.Shape[0], file, module, $"{Shape(up)} and {Shape(down)} disagree on the rank");
            Int(down.Shape[1], file, module, down);
            Check(Cols > 0, file, module, $"{Shape(down)} has an empty dimension");
            _up = up;
            _down = down;
        }

        public override string UpKey => _up.Name;

        public override string DownKey => _down.Name;

        public override IReadOnlyList<TensorInfo> Tensors => new[] { _up, _down };

        protected override void Fill(SafeTensorReader reader, float[] up, float[] down)
        {
            reader.ReadFloat32(_up, up.AsSpan(0, Rows * Rank));
            reader.ReadFloat32(_down, down.AsSpan(0, Rank * Cols));
        }
    }

    private sealed class TuckerPart : LowRankPart
    {
        private readonly TensorInfo _up;
        private readonly bool _upTransposed;
        private readonly TensorInfo _core;
        private readonly TensorInfo _down;

        public TuckerPart(string file, string module, TensorInfo up, bool upTransposed, TensorInfo core, TensorInfo down)
            : base(Int(Dim(up, upTransposed ? 1 : 0), file, module, up), Int(Dim(core, 0), file, module, core), Dim(down, 1), core.Shape.Skip(2).ToArray())
        {
            Check(up.Shape.Count >= 2 && TrailingOnes(up, 2), file, module, $"{Shape(up)} is not a Tucker factor");
            Check(core.Shape.Count >= 3, file, module, $"{Shape(core)} is not a Tucker core [r, r, kh, kw]");
            Check(down.Shape.Count >= 2 && TrailingOnes(down, 2), file, module, $"{Shape(down)} is not a Tucker factor [r, in]");
            long upRank = up.Shape[upTransposed ? 0 : 1];
            Check(upRank == core.Shape[0], file, module, $"{Shape(up)} and the core {Shape(core)} disagree on the rank");
            Check(down.Shape[0] == core.Shape[1], file, module, $"{Shape(down)} and the core {Shape(core)} disagree on the rank");
            Int(down.Shape[1], file, module, down);
            Check(Cols > 0, file, module, $"{Shape(core)} has an empty dimension");
            _up = up;
            _upTransposed = upTransposed;
            _core = core;
            _down = down;
        }

        public override string UpKey => _up.Name;

        public override string DownKey => _down.Name;

        public override IReadOnlyList<TensorInfo> Tensors => new[] { _up, _core, _down };

        protected override void Fill(SafeTensorReader reader, float[] up, float[] down)
        {
            if (_upTransposed)
            {
                var stored = ReadAll(reader, _up); // [Rank, Rows]
                for (int i = 0; i < Rank; i++)
                {
                    for (int o = 0; o < Rows; o++) up[(o * Rank) + i] = stored[(i * Rows) + o];
                }
            }
            else
            {
                reader.ReadFloat32(_up, up.AsSpan(0, Rows * Rank));
            }

            // D[i, (c, k)] = Σ_j core[i, j, k] · down[j, c]: the core folded into the down factor (float64 sums).
            var core = ReadAll(reader, _core);
            var d = ReadAll(reader, _down);
            int inner = checked((int)_core.Shape[1]), channels = (int)InChannels, kernel = Cols / channels;
            var sum = new double[Cols];
            for (int i = 0; i < Rank; i++)
            {
                Array.Clear(sum, 0, sum.Length);
                for (int j = 0; j < inner; j++)
                {
                    int coreAt = ((i * inner) + j) * kernel;
                    for (int c = 0; c < channels; c++)
                    {
                        double dj = d[(j * channels) + c];
                        if (dj == 0) continue;
                        for (int k = 0; k < kernel; k++) sum[(c * kernel) + k] += dj * core[coreAt + k];
                    }
                }

                for (int x = 0; x < Cols; x++) down[((long)i * Cols) + x] = (float)sum[x];
            }
        }
    }

    private sealed class FullPart : LowRankPart
    {
        private readonly TensorInfo _w;

        // Rank min(rows, cols): no rows × cols matrix has a higher rank, so its thin SVD at this rank is exact
        // (zero singular values only give zero units). It follows from the shapes, so it is known at load
        // without reading the tensor.
        public FullPart(string file, string module, TensorInfo w)
            : base(Int(Dim(w, 0), file, module, w), (int)Math.Min(Dim(w, 0), Math.Min(int.MaxValue, w.Shape.Skip(1).Aggregate(1L, (p, d) => p * d))),
                  Dim(w, 1), w.Shape.Skip(2).ToArray())
        {
            Check(w.Shape.Count >= 2, file, module, $"{Shape(w)} is not a matrix");
            Int(w.Shape[1], file, module, w);
            Check(Cols > 0, file, module, $"{Shape(w)} has an empty dimension");
            _w = w;
        }

        public override string UpKey => _w.Name;

        public override string DownKey => _w.Name;

        public override IReadOnlyList<TensorInfo> Tensors => new[] { _w };

        /// <summary>
        /// M = U Σ Vᵀ through the engine's factored SVD (float64 QRs and SVD of the small core), U√Σ and √Σ Vᵀ as the
        /// factors. Every triplet is kept except singular values the SVD itself drops as float64 rounding noise
        /// (at most 1e-12 of the largest), whose units stay zero: U·D equals M to float64 precision before the float32
        /// store, so the factors are exact to float precision, nothing truncated.
        /// </summary>
        protected override void Fill(SafeTensorReader reader, float[] up, float[] down)
        {
            var w = ReadAll(reader, _w); // Rows × Cols
            FactoredSvd svd;
            if (Rows <= Cols)
            {
                // Terms e_o · w[o, :]: unit o's b is the o-th basis vector, its a is row o.
                svd = FactoredSvd.Compute(w, Identity(Rows), Ones(Rows), Cols, Rows, Rank);
            }
            else
            {
                // Terms w[:, c] · e_c: unit c's b is column c, its a is the c-th basis vector.
                var columns = new float[(long)Cols * Rows];
                for (int o = 0; o < Rows; o++)
                {
                    for (int c = 0; c < Cols; c++) columns[((long)c * Rows) + o] = w[((long)o * Cols) + c];
                }

                svd = FactoredSvd.Compute(Identity(Cols), columns, Ones(Cols), Cols, Rows, Rank);
            }

            for (int k = 0; k < svd.Rank; k++)
            {
                double root = Math.Sqrt(svd.Sigma[k]);
                double[] u = svd.U[k], v = svd.V[k];
                for (int o = 0; o < Rows; o++) up[((long)o * Rank) + k] = (float)(u[o] * root);
                for (int c = 0; c < Cols; c++) down[((long)k * Cols) + c] = (float)(v[c] * root);
            }
        }

        private static float[] Identity(int n)
        {
            var x = new float[(long)n * n];
            for (int i = 0; i < n; i++) x[((long)i * n) + i] = 1;
            return x;
        }

        private static double[] Ones(int n)
        {
            var x = new double[n];
            for (int i = 0; i < n; i++) x[i] = 1;
            return x;
        }
    }
}
