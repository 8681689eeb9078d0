using System;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Analysis;
using LoraLego.Formats;
using LoraLego.Linalg;
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

        // The full SVD is cheap (at most r triplets); the rank is chosen from all its singular values.
        var svd = ModuleDecomposition.Svd(units);
        int k = RankChooser.Choose(svd.Sigma, options);
        var report = new ModuleResize(module.Adapter.Name, module.Name, module.Rank, k, module.InFeatures, module.OutFeatures, Array.AsReadOnly(svd.Sigma));

        // Units √σ_i u_i, √σ_i v_i rounded once to float32; past the delta's own rank (a zero delta, or
        // MinRank above it) the units are zero.
        var a = new float[(long)k * module.InFeatures];
        var bt = new float[(long)k * module.OutFeatures];
        var scale = new double[k];
        for (int i = 0; i < k; i++)
        {
            scale[i] = 1;
            if (i >= svd.Rank) continue;
            double root = Math.Sqrt(svd.Sigma[i]);
            VectorKernels.ScaleToFloat(root, svd.V[i], new Span<float>(a, i * module.InFeatures, module.InFeatures));
            VectorKernels.ScaleToFloat(root, svd.U[i], new Span<float>(bt, i * module.OutFeatures, module.OutFeatures));
        }

        return new ResizedModule(report, OutputModule.Like(module, k), new UnitBlock(module.InFeatures, module.OutFeatures, a, bt, scale));
    }
}
