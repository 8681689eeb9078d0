using System;
using System.IO;
using Xunit;

namespace LoraLego.Tests.Formats;

/// <summary>
/// A fact that needs the real adapters in ../shared/fixtures/real (never copied into the repo):
/// skipped, saying why, when that folder is absent.
/// </summary>
public sealed class RealFixtureFactAttribute : FactAttribute
{
    public RealFixtureFactAttribute()
    {
        if (RealFixtures.Root is null) Skip = $"Real fixtures not found (looked for ../shared/fixtures/real above {AppContext.BaseDirectory}).";
    }
}

internal static class RealFixtures
{
    /// <summary>The fixtures folder: ../shared/fixtures/real relative to the repository root, or null.</summary>
    public static readonly string? Root = Find();

    public static string Folder(string name) => Path.Combine(Root ?? throw new InvalidOperationException("no real fixtures"), name);

    private static string? Find()
    {
        // Walk up from the test binaries to the repository root (the folder holding LoraLego.sln).
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "LoraLego.sln"))) continue;
            var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "real"));
            return Directory.Exists(candidate) ? candidate : null;
        }

        return null;
    }
}

/// <summary>A theory that needs the real adapters; skipped, saying why, when they are absent.</summary>
public sealed class RealFixtureTheoryAttribute : TheoryAttribute
{
    public RealFixtureTheoryAttribute()
    {
        if (RealFixtures.Root is null) Skip = $"Real fixtures not found (looked for ../shared/fixtures/real above {AppContext.BaseDirectory}).";
    }
}
