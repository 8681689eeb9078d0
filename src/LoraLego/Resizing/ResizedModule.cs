using System;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Analysis;
using LoraLego.Formats;
using LoraLego.Units;

namespace LoraLego.Resizing;

/// <summary>One module resized: the report, and the rank-k truncation as scale-1 units ready to write.</summary>
public sealed class ResizedModule
{
    private ResizedModule(ModuleResize report, OutputModule output, UnitBlock units)
    {
        Report = report;
        Output = output;
        Units = units;
    }

    public ModuleResize Report { get; }

    /// <summary>The module as it will be written (source's name, kind and widths at the new rank).</summary>
    public OutputModule Output { get; }

    /// <summary>The truncation Σ_{i≤k} σ_i u_i v_iᵀ as k units (√σ u, √σ v) of scale 1.</summary>
    public UnitBlock Units { get; }

    /// <summary>
    /// The best rank-k approximation of <paramref name="module"/>'s delta (Eckart–Young), k chosen by
    /// <paramref name="options"/> from its singular values; computed from the factors (QR of each side,
    /// SVD of the small core), so the cost is O((in + out)·r²), not that of a dense SVD.
    /// </summary>
    public static ResizedModule Resize(LoraModule module, ResizeOptions options, CancellationToken cancellationToken = default)
    {
        if (module is null) throw new ArgumentNullException(nameof(module));
        if (options is null) throw new ArgumentNullException(nameof(options));
        cancellationToken.ThrowIfCancellationRequested();
        var units = ModuleDecomposition.ReadFinite(module);

        // One SVD carries every singular value and the top factors; the rank is chosen from the values
        // first, so the top factors are asked for at the largest rank the options allow.
        int ceiling = Math.Min(units.Count, options.MaxRank);
        var svd = ModuleDecomposition.Svd(units, ceiling);
        int k = RankChooser.Choose(svd.SingularValues, options);
        var report = new ModuleResize(module.Adapter.Name, module.Name, module.Rank, k, module.InFeatures, module.OutFeatures, Array.AsReadOnly(svd.SingularValues));
        var scale = new double[k];
        for (int i = 0; i < k; i++) scale[i] = 1;
        var a = svd.A;
        var bt = svd.BT;
        if (svd.Rank != k)
        {
            // Only when the factors carry fewer directions than MinRank asks for: the rest are zero units.
            a = new float[(long)k * module.InFeatures];
            bt = new float[(long)k * module.OutFeatures];
            Array.Copy(svd.A, a, Math.Min(a.Length, svd.A.Length));
            Array.Copy(svd.BT, bt, Math.Min(bt.Length, svd.BT.Length));
        }

        return new ResizedModule(report, OutputModule.Like(module, k), new UnitBlock(module.InFeatures, module.OutFeatures, a, bt, scale));
    }
}
