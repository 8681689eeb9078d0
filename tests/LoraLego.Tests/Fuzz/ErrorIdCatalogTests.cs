using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using LoraLego.Fuzzing;
using Xunit;

namespace LoraLego.Tests.Fuzz;

/// <summary>
/// docs/reliability.md lists every ErrorId the engine and the cmdlets can raise: the ids are read
/// from the source (string literals given to LoraLegoException / ErrorRecords.Create, the
/// AdapterErrorIds constants, ErrorId constants, and "SafeTensors" + each SafeTensorsErrorKind).
/// </summary>
public sealed class ErrorIdCatalogTests
{
    private static readonly string Root = SeedCatalog.FindRepoRoot(AppContext.BaseDirectory);

    internal static SortedSet<string> ErrorIdsInSource()
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            foreach (Match m in Regex.Matches(text, @"new\s+(?:[\w.]+\.)?LoraLegoException\(\s*""(\w+)""")) ids.Add(m.Groups[1].Value);
            foreach (Match m in Regex.Matches(text, @"ErrorRecords\.Create\(\s*""(\w+)""")) ids.Add(m.Groups[1].Value);
            foreach (Match m in Regex.Matches(text, @"new\s+ErrorRecord\([^,]+,\s*""(\w+)""")) ids.Add(m.Groups[1].Value);
            foreach (Match m in Regex.Matches(text, @"const\s+string\s+(\w+)\s*=\s*nameof\(\1\)")) ids.Add(m.Groups[1].Value);
            foreach (Match m in Regex.Matches(text, @"const\s+string\s+\w*ErrorId\s*=\s*""(\w+)""")) ids.Add(m.Groups[1].Value);
        }

        var kinds = File.ReadAllText(Path.Combine(Root, "src", "LoraLego", "SafeTensors", "SafeTensorsErrorKind.cs"));
        var body = kinds.Substring(kinds.IndexOf("enum SafeTensorsErrorKind", StringComparison.Ordinal));
        foreach (Match m in Regex.Matches(body, @"^\s*(\w+),?\s*$", RegexOptions.Multiline)) ids.Add("SafeTensors" + m.Groups[1].Value);
        return ids;
    }

    [Fact]
    public void SourceScan_FindsTheKnownFamilies()
    {
        var ids = ErrorIdsInSource();
        foreach (var known in new[] { "SafeTensorsHeaderTooLarge", "SafeTensorsIncompleteWrite", "AdapterConfigInvalid", "OutputIsInput", "ModuleShapeMismatch", "NonFiniteWeights", "PathNotFound", "MergeFailed" })
            Assert.Contains(known, ids);

        // Every enum value came through: the enum and the ids agree in number.
        Assert.Equal(Enum.GetNames(typeof(LoraLego.SafeTensors.SafeTensorsErrorKind)).Length, ids.Count(i => i.StartsWith("SafeTensors", StringComparison.Ordinal)));
    }

    [Fact]
    public void EveryErrorId_IsDocumentedInReliabilityMd()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "reliability.md"));
        var documented = new HashSet<string>(Regex.Matches(doc, @"^\|\s*`(\w+)`\s*\|", RegexOptions.Multiline).Select(m => m.Groups[1].Value), StringComparer.Ordinal);
        var inSource = ErrorIdsInSource();
        var missing = inSource.Where(id => !documented.Contains(id)).ToList();
        Assert.True(missing.Count == 0, "ErrorIds missing from the table in docs/reliability.md: " + string.Join(", ", missing));
        var stale = documented.Where(id => !inSource.Contains(id)).OrderBy(id => id, StringComparer.Ordinal).ToList();
        Assert.True(stale.Count == 0, "docs/reliability.md lists ErrorIds the source no longer raises: " + string.Join(", ", stale));
    }
}
