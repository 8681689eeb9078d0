using System;

namespace LoraLego.Linalg;

/// <summary>
/// Householder QR of a tall-skinny matrix (m × c, c small) held column-major in float64:
/// M = Q R with Q = H_0 H_1 … H_(p-1), p = min(m, c). Columns are contiguous, so every reflector
/// step is a dot product and an axpy on spans. Q is never formed: <see cref="MultiplyQ"/> applies it.
/// </summary>
public sealed class HouseholderQr
{
    // Column j holds R above the diagonal and the Householder vector v_j (v_j[j] = 1) from the diagonal down.
    private readonly double[] _qr;
    private readonly double[] _tau;
    private readonly double[] _diagonal;

    /// <summary>Factors <paramref name="columnMajor"/> (rows × columns), which it takes over and overwrites.</summary>
    public HouseholderQr(double[] columnMajor, int rows, int columns)
    {
        if (columnMajor is null) throw new ArgumentNullException(nameof(columnMajor));
        if (rows < 0 || columns < 0 || columnMajor.Length != (long)rows * columns)
            throw new ArgumentException($"Matrix holds {columnMajor.Length} values, expected {rows}×{columns}.", nameof(columnMajor));
        _qr = columnMajor;
        Rows = rows;
        Columns = columns;
        Reflectors = Math.Min(rows, columns);
        _tau = new double[Reflectors];
        _diagonal = new double[Reflectors];
        Factor();
    }

    /// <summary>Copies float columns (e.g. a UnitBlock's unit-major A or BT: one contiguous vector per unit) into a QR.</summary>
    public static HouseholderQr FromFloatColumns(float[] columns, int rows, int count)
    {
        var m = new double[(long)rows * count];
        for (int i = 0; i < m.Length; i++) m[i] = columns[i];
        return new HouseholderQr(m, rows, count);
    }

    /// <summary>QR of the matrix whose columns are <paramref name="vectors"/> (all of length <paramref name="length"/>).</summary>
    public static HouseholderQr FromVectors(System.Collections.Generic.IReadOnlyList<double[]> vectors, int length)
    {
        var m = new double[(long)length * vectors.Count];
        for (int j = 0; j < vectors.Count; j++)
        {
            if (vectors[j].Length != length) throw new ArgumentException($"Vector {j} has length {vectors[j].Length}, expected {length}.", nameof(vectors));
            Array.Copy(vectors[j], 0, m, (long)j * length, length);
        }

        return new HouseholderQr(m, length, vectors.Count);
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>p = min(Rows, Columns): the number of rows of R and of columns of the thin Q.</summary>
    public int Reflectors { get; }

    /// <summary>The p × c upper-trapezoidal factor R, column-major.</summary>
    public double[] R()
    {
        int p = Reflectors;
        var r = new double[(long)p * Columns];
        for (int j = 0; j < Columns; j++)
        {
            int top = Math.Min(j, p);
            Array.Copy(_qr, (long)j * Rows, r, (long)j * p, top);
            if (j < p) r[((long)j * p) + j] = _diagonal[j];
        }

        return r;
    }

    /// <summary>Q · [X; 0] for X of p × k (column-major): the thin Q times X, m × k column-major.</summary>
    public double[] MultiplyQ(double[] x, int k)
    {
        int p = Reflectors, m = Rows;
        if (x.Length != (long)p * k) throw new ArgumentException($"X holds {x.Length} values, expected {p}×{k}.", nameof(x));
        var y = new double[(long)m * k];
        for (int c = 0; c < k; c++) Array.Copy(x, (long)c * p, y, (long)c * m, p);
        for (int j = p - 1; j >= 0; j--)
        {
            if (_tau[j] == 0) continue;
            var v = new ReadOnlySpan<double>(_qr, (j * m) + j, m - j);
            for (int c = 0; c < k; c++) Reflect(j, v, new Span<double>(y, (c * m) + j, m - j));
        }

        return y;
    }

    /// <summary>The p columns of the thin Q (each of length Rows): an orthonormal basis containing the span of the input columns.</summary>
    public double[][] ThinQ()
    {
        int p = Reflectors, m = Rows;
        var identity = new double[(long)p * p];
        for (int j = 0; j < p; j++) identity[((long)j * p) + j] = 1;
        double[] q = MultiplyQ(identity, p);
        var columns = new double[p][];
        for (int j = 0; j < p; j++)
        {
            columns[j] = new double[m];
            Array.Copy(q, (long)j * m, columns[j], 0, m);
        }

        return columns;
    }

    // Reflectors are made a panel at a time and the panel is then applied to each trailing column in turn,
    // so a column stays in cache while PanelWidth reflectors pass over it. Every column still receives the
    // reflectors in order 0, 1, 2, …, so the result is the same as the unblocked loop's, bit for bit, and
    // the trailing columns can go to different threads.
    private const int PanelWidth = 16;

    private void Factor()
    {
        for (int p0 = 0; p0 < Reflectors; p0 += PanelWidth)
        {
            int p1 = Math.Min(p0 + PanelWidth, Reflectors);
            for (int j = p0; j < p1; j++)
            {
                MakeReflector(j);
                for (int c = j + 1; c < p1; c++) ReflectColumn(j, c);
            }

            int first = p1, trailing = Columns - first;
            if (trailing <= 0) continue;
            void ApplyPanel(int c)
            {
                for (int j = p0; j < p1; j++) ReflectColumn(j, c);
            }

            if ((long)trailing * (Rows - p0) * (p1 - p0) >= 1L << 18)
            {
                System.Threading.Tasks.Parallel.For(first, Columns, ApplyPanel);
            }
            else
            {
                for (int c = first; c < Columns; c++) ApplyPanel(c);
            }
        }
    }

    private void MakeReflector(int j)
    {
        int m = Rows;
        var col = new Span<double>(_qr, (j * m) + j, m - j);
        double alpha = col[0];
        double norm = Math.Sqrt(VectorKernels.Dot(col, col));
        if (norm == 0)
        {
            // Zero column below the diagonal: R[j, j] = 0 and H_j = I.
            _diagonal[j] = 0;
            _tau[j] = 0;
            col[0] = 1;
            return;
        }

        // Reflect onto -sign(alpha)·‖x‖·e_1: no cancellation in alpha - beta.
        double beta = alpha >= 0 ? -norm : norm;
        VectorKernels.Scale(1.0 / (alpha - beta), col.Slice(1));
        col[0] = 1;
        _tau[j] = (beta - alpha) / beta;
        _diagonal[j] = beta;
    }

    private void ReflectColumn(int j, int c)
    {
        if (_tau[j] == 0) return;
        int m = Rows;
        Reflect(j, new ReadOnlySpan<double>(_qr, (j * m) + j, m - j), new Span<double>(_qr, (c * m) + j, m - j));
    }

    // target -= tau_j · v (vᵀ target)
    private void Reflect(int j, ReadOnlySpan<double> v, Span<double> target)
    {
        double w = VectorKernels.Dot(v, target);
        VectorKernels.Axpy(-_tau[j] * w, v, target);
    }
}
