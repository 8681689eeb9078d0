using System.Collections.Generic;
using System.Management.Automation;
using Microsoft.PowerShell.Commands;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>
/// -Path resolves wildcards, -LiteralPath does not; both must land on the FileSystem provider.
/// Failures are written as non-terminating errors so the other paths of the same call still run.
/// </summary>
internal static class PathResolver
{
    public static IEnumerable<string> ResolveExisting(PSCmdlet cmdlet, string path, bool literal)
    {
        var results = new List<string>();
        try
        {
            ProviderInfo provider;
            if (literal)
            {
                var resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
                if (!IsFileSystem(cmdlet, provider, path)) return results;
                if (!System.IO.File.Exists(resolved) && !System.IO.Directory.Exists(resolved))
                {
                    cmdlet.WriteError(ErrorRecords.Create("PathNotFound", ErrorCategory.ObjectNotFound, path, $"Cannot find path '{path}' because it does not exist."));
                    return results;
                }

                results.Add(resolved);
            }
            else
            {
                var resolved = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
                if (!IsFileSystem(cmdlet, provider, path)) return results;
                if (resolved.Count == 0)
                {
                    cmdlet.WriteError(ErrorRecords.Create("PathNotFound", ErrorCategory.ObjectNotFound, path, $"No file or folder matches '{path}'."));
                }

                results.AddRange(resolved);
            }
        }
        catch (ItemNotFoundException e)
        {
            cmdlet.WriteError(ErrorRecords.Create("PathNotFound", ErrorCategory.ObjectNotFound, path, e.Message, e));
        }
        catch (DriveNotFoundException e)
        {
            cmdlet.WriteError(ErrorRecords.Create("PathNotFound", ErrorCategory.ObjectNotFound, path, e.Message, e));
        }
        catch (ProviderNotFoundException e)
        {
            cmdlet.WriteError(ErrorRecords.Create("PathNotFound", ErrorCategory.ObjectNotFound, path, e.Message, e));
        }

        return results;
    }

    /// <summary>Resolves an output path that need not exist yet (no wildcards).</summary>
    public static string ResolveOutput(PSCmdlet cmdlet, string path)
    {
        var resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
        if (provider.ImplementingType != typeof(FileSystemProvider))
        {
            cmdlet.ThrowTerminatingError(ErrorRecords.Create("PathNotFileSystem", ErrorCategory.InvalidArgument, path,
                $"'{path}' is on the {provider.Name} provider; LoraLego writes only to the file system."));
        }

        return resolved;
    }

    private static bool IsFileSystem(PSCmdlet cmdlet, ProviderInfo provider, string path)
    {
        if (provider.ImplementingType == typeof(FileSystemProvider)) return true;
        cmdlet.WriteError(ErrorRecords.Create("PathNotFileSystem", ErrorCategory.InvalidArgument, path,
            $"'{path}' is on the {provider.Name} provider; LoraLego reads only from the file system."));
        return false;
    }
}
