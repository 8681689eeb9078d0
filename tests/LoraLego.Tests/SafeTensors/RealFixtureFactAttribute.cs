using System;
using System.IO;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

/// <summary>
/// A fact that needs the real adapters in ../shared/fixtures/real (relative to the repo root);
/// skipped, with the reason shown, when that folder is absent.
/// </summary>
public sealed class RealFixtureFactAttribute : FactAttribute
{
    public RealFixtureFactAttribute()
    {
        if (RealFixtures.Root is null)
        {
            Skip = "real adapter fixtures not found at ../shared/fixtures/real from the repository root";
        }
    }
}

internal static class RealFixtures
{
    public static readonly string? Root = Find();

    private static string? Find()
    {
        for (DirectoryInfo? dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LoraLego.sln")))
            {
                string fixtures = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures", "real"));
                return Directory.Exists(fixtures) ? fixtures : null;
            }
        }

        return null;
    }
}
