using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using LoraLego.Diagnostics;
using LoraLego.Merging;
using LoraLego.Pipeline;
using LoraLego.PowerShell.Infrastructure;
using LoraLego.Units;

namespace LoraLego.PowerShell.Commands;

/// <summary>
/// Clusters each module's pooled units with k-means (LoRA-LEGO) and writes one centroid unit per
/// cluster, module by module. The centroids are units too, so Merge-LoraAdapter (or another stage)
/// takes them as they are.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "LoraCluster")]
[OutputType(typeof(LoraUnit))]
public sealed class InvokeLoraClusterCommand : UnitGatheringCmdletBase
{
    /// <summary>Clusters per module: a number for all modules, or a hashtable of module wildcards to numbers.</summary>
    [Parameter]
    public object? K { get; set; }

    [Parameter]
    [ValidateRange(1, 1000)]
    public int Restarts { get; set; } = new LegoOptions().Restarts;

    [Parameter]
    [ValidateRange(1, 100000)]
    public int MaxIterations { get; set; } = new LegoOptions().MaxIterations;

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double Tolerance { get; set; } = new LegoOptions().Tolerance;

    [Parameter]
    public int Seed { get; set; }

    [Parameter]
    public FeatureNormalization FeatureNormalization { get; set; } = new LegoOptions().FeatureNormalization;

    [Parameter]
    public UnitCanonicalization Canonicalize { get; set; } = new LegoOptions().Canonicalize;

    [Parameter]
    public ParameterReweighting ParameterReweighting { get; set; } = new LegoOptions().ParameterReweighting;

    [Parameter]
    public OutputReweighting OutputReweighting { get; set; } = new LegoOptions().OutputReweighting;

    /// <summary>Decorrelate each module's centroids as TSV-M does (orthonormal directions, each centroid keeping its strength and its cluster).</summary>
    [Parameter]
    public SwitchParameter Decorrelate { get; set; }

    /// <summary>How each module's centroids are scaled together after clustering (data-free, against the module's sources).</summary>
    [Parameter]
    public OutputScaleRule OutputScale { get; set; } = MergeDefaults.Rule;

    protected override void EndProcessing()
    {
        RankSelector ranks;
        try
        {
            ranks = ParseK(K);
        }
        catch (LoraLegoException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e, K));
            return;
        }

        var options = new MergeOptions
        {
            Seed = Seed,
            OutputScale = OutputScale,
            Lego = new LegoOptions
            {
                Restarts = Restarts,
                MaxIterations = MaxIterations,
                Tolerance = Tolerance,
                FeatureNormalization = FeatureNormalization,
                Canonicalize = Canonicalize,
                ParameterReweighting = ParameterReweighting,
                OutputReweighting = OutputReweighting,
                Decorrelate = Decorrelate,
            },
        };

        var recycler = new FactorRecycler();
        RunOrdered(
            Units.Pools,
            (pool, token) => ClusterStage.Run(pool, ClusterStage.ForModule(options, ranks, pool.Module), recycler, token),
            (pool, centroids) =>
            {
                foreach (var c in centroids) WriteObject(c);
            },
            (pool, error) => WriteEngineError(error, pool.Module),
            "Clustering LoRA units",
            pool => $"{pool.Module} ({pool.Units.Count} units)",
            ThrottleLimit);
    }

    /// <summary>-K: nothing (default per module), a number, or a hashtable of module wildcards to numbers.</summary>
    internal static RankSelector ParseK(object? value)
    {
        value = value is PSObject pso ? pso.BaseObject : value;
        switch (value)
        {
            case null:
                return RankSelector.Default;
            case IDictionary map:
                var rules = new List<KeyValuePair<string, int>>();
                foreach (DictionaryEntry entry in map)
                {
                    rules.Add(new KeyValuePair<string, int>(entry.Key?.ToString() ?? string.Empty, ToInt(entry.Value, entry.Key?.ToString() ?? "?")));
                }

                return RankSelector.FromPatterns(rules);
            default:
                return RankSelector.Uniform(ToInt(value, "all modules"));
        }
    }

    private static int ToInt(object? value, string what)
    {
        try
        {
            return LanguagePrimitives.ConvertTo<int>(value is PSObject p ? p.BaseObject : value);
        }
        catch (PSInvalidCastException e)
        {
            throw new LoraLegoException("InvalidRank", LoraErrorCategory.InvalidArgument, what,
                $"-K for {what} must be a whole number or a hashtable of module patterns to whole numbers; got '{value}'.", e);
        }
    }
}
