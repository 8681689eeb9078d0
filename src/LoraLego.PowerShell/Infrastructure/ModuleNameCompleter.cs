using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using LoraLego.Adapters;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>
/// Completes -Module with the module names of the adapters at hand: those bound to -Adapter on the
/// command line (e.g. a variable), else the adapters this session loaded most recently.
/// </summary>
public sealed class ModuleNameCompleter : IArgumentCompleter
{
    private static readonly object Gate = new();
    private static readonly LinkedList<LoraAdapter> Recent = new();
    private const int RecentLimit = 16;

    /// <summary>Called by Get-LoraAdapter so completion knows what the session has loaded.</summary>
    internal static void Remember(LoraAdapter adapter)
    {
        lock (Gate)
        {
            Recent.AddFirst(adapter);
            while (Recent.Count > RecentLimit) Recent.RemoveLast();
        }
    }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var adapters = BoundAdapters(fakeBoundParameters).ToList();
        if (adapters.Count == 0)
        {
            lock (Gate) adapters = Recent.ToList();
        }

        var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
        return adapters.SelectMany(a => a.Modules).Select(m => m.Name)
            .Distinct(StringComparer.Ordinal)
            .Where(pattern.IsMatch)
            .OrderBy(n => n, StringComparer.Ordinal)
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }

    private static IEnumerable<LoraAdapter> BoundAdapters(IDictionary bound)
    {
        foreach (var key in new[] { "Adapter", "Merged", "Source", "Reference" })
        {
            if (!bound.Contains(key)) continue;
            foreach (var item in Flatten(bound[key]))
            {
                if (item is LoraAdapter adapter) yield return adapter;
            }
        }
    }

    private static IEnumerable<object?> Flatten(object? value)
    {
        value = value is PSObject pso ? pso.BaseObject : value;
        if (value is IEnumerable list and not string)
        {
            foreach (var v in list) yield return v is PSObject p ? p.BaseObject : v;
        }
        else
        {
            yield return value;
        }
    }
}
