using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LoraLego.Adapters;
using LoraLego.Diagnostics;
using OxyPlot;
using OxyPlot.Series;

namespace LoraLego.Reporting;

/// <summary>
/// What the sections share while a report is built: the adapters in one fixed order (sources,
/// then other adapters, then merges) with names and colours that stay the same in every chart,
/// each module's singular values (computed once), and the notes and errors collected on the way.
/// </summary>
internal sealed class ReportContext
{
    private readonly Dictionary<string, int> _colourByName = new(StringComparer.Ordinal);
    private readonly Dictionary<LoraAdapter, Dictionary<string, double[]>> _spectra = new(Pipeline.ReferenceEquality<LoraAdapter>.Instance);
    private readonly Action<LoraLegoException>? _onError;
    private readonly IProgress<string>? _progress;

    public ReportContext(ReportInputs inputs, IProgress<string>? progress, Action<LoraLegoException>? onError, CancellationToken cancellationToken)
    {
        Inputs = inputs;
        _progress = progress;
        _onError = onError;
        CancellationToken = cancellationToken;
        // One adapter loaded twice (e.g. as a source and again on its own) is one adapter.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pool = new List<LoraAdapter>();
        var roles = new List<string>();
        void Add(IEnumerable<LoraAdapter> adapters, string role)
        {
            foreach (var a in adapters)
            {
                if (!seen.Add(System.IO.Path.GetFullPath(a.Path))) continue;
                pool.Add(a);
                roles.Add(role);
            }
        }

        Add(inputs.Sources, "source");
        Add(inputs.Adapters, "adapter");
        Add(inputs.Merged, "merged");
        Pool = pool;
        Roles = roles;
        Names = DistinctNames(pool);
        foreach (var a in pool) ColourIndex(a.Name);
        foreach (var c in inputs.Centroids)
        {
            foreach (var m in c.Members) ColourIndex(m.Adapter);
        }
    }

    public ReportInputs Inputs { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Every distinct adapter of the inputs, sources first, then adapters, then merges.</summary>
    public IReadOnlyList<LoraAdapter> Pool { get; }

    /// <summary>"source", "adapter" or "merged", by position in <see cref="Pool"/>.</summary>
    public IReadOnlyList<string> Roles { get; }

    /// <summary>Legend names by position in <see cref="Pool"/>: the adapter's name, numbered when two share it.</summary>
    public IReadOnlyList<string> Names { get; }

    public List<string> Notes { get; } = new();

    public OxyColor ColourOf(int poolIndex) => ColourOf(Pool[poolIndex].Name);

    public OxyColor ColourOf(string adapterName) => ChartStyle.Colour(ColourIndex(adapterName));

    public bool IsMerged(int poolIndex) => Roles[poolIndex] == "merged";

    /// <summary>The line of the <paramref name="poolIndex"/>-th adapter: its colour, dashed with diamonds for a merge.</summary>
    public LineSeries Line(int poolIndex)
    {
        bool merged = IsMerged(poolIndex);
        return new LineSeries
        {
            Title = Names[poolIndex],
            Color = ColourOf(poolIndex),
            StrokeThickness = 2,
            LineStyle = merged ? LineStyle.Dash : LineStyle.Solid,
            MarkerType = merged ? MarkerType.Diamond : MarkerType.Circle,
            MarkerSize = 3.5,
            MarkerFill = ColourOf(poolIndex),
        };
    }

    public void Report(string status) => _progress?.Report(status);

    /// <summary>An engine failure on one part of the report: the report goes on without it and says so.</summary>
    public void Fail(LoraLegoException error, string consequence)
    {
        Notes.Add($"{error.Message} ({consequence})");
        _onError?.Invoke(error);
    }

    /// <summary>Singular values of a module's delta (its weight 1), computed on first use; empty when the adapter lacks the module.</summary>
    public double[] Spectrum(LoraAdapter adapter, string module)
    {
        if (!_spectra.TryGetValue(adapter, out var byModule))
        {
            byModule = new Dictionary<string, double[]>(StringComparer.Ordinal);
            _spectra.Add(adapter, byModule);
        }

        if (byModule.TryGetValue(module, out var sigma)) return sigma;
        CancellationToken.ThrowIfCancellationRequested();
        var m = adapter.GetModule(module);
        sigma = m is null ? Array.Empty<double>() : SpectrumSeam.Of(m);
        byModule.Add(module, sigma);
        return sigma;
    }

    /// <summary>‖ΔW‖_F from the spectrum: √Σσ².</summary>
    public double Norm(LoraAdapter adapter, string module) => Math.Sqrt(Spectrum(adapter, module).Sum(s => s * s));

    /// <summary>Module names of the pool in natural order (h.2 before h.10).</summary>
    public IReadOnlyList<string> ModuleNames() =>
        Pool.SelectMany(a => a.Modules).Select(m => m.Name).Distinct(StringComparer.Ordinal).OrderBy(n => n, NaturalStringComparer.Instance).ToList();

    private int ColourIndex(string name)
    {
        if (!_colourByName.TryGetValue(name, out int index))
        {
            index = _colourByName.Count;
            _colourByName.Add(name, index);
        }

        return index;
    }

    private static IReadOnlyList<string> DistinctNames(IReadOnlyList<LoraAdapter> pool)
    {
        var names = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in pool)
        {
            var name = a.Name;
            for (int n = 2; !used.Add(name); n++) name = $"{a.Name} ({n})";
            names.Add(name);
        }

        return names;
    }
}
