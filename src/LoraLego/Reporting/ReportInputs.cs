using System.Collections.Generic;
using LoraLego.Adapters;
using LoraLego.Pipeline;

namespace LoraLego.Reporting;

/// <summary>What a report is made from; every list may be empty, but not all of them.</summary>
public sealed class ReportInputs
{
    public string Title { get; set; } = "LoRA report";

    /// <summary>Adapters to chart on their own: spectra per module, rank and norm by layer, similarity.</summary>
    public IList<LoraAdapter> Adapters { get; } = new List<LoraAdapter>();

    /// <summary>Merged (or resized) adapters, each measured against <see cref="Sources"/>.</summary>
    public IList<LoraAdapter> Merged { get; } = new List<LoraAdapter>();

    /// <summary>The adapters the merges were made from.</summary>
    public IList<LoraAdapter> Sources { get; } = new List<LoraAdapter>();

    /// <summary>The sources' weights as given to Split-LoraMsu -Weight; empty means 1 for each.</summary>
    public IList<double> Weights { get; } = new List<double>();

    /// <summary>Cluster centroids from Invoke-LoraCluster (their members say which source each unit came from).</summary>
    public IList<LoraUnit> Centroids { get; } = new List<LoraUnit>();

    /// <summary>At most this many modules get a chart of their own (the ones that move the weights most); the rest are counted in the text.</summary>
    public int TopModules { get; set; } = 12;
}
