using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace LoraLego.Tests.Fuzz;

/// <summary>
/// A tiny tmpfs (mount -t tmpfs -o size=...) to run a write into a full disk for real. Needs Linux
/// and the right to mount; where that is missing the tests using it are skipped, saying why.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private static readonly Lazy<string?> WhyNot = new(Probe);

    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    /// <summary>Null when a tmpfs can be mounted here, else the reason it cannot.</summary>
    public static string? Unavailable => WhyNot.Value;

    public static SmallDisk Mount(int kibibytes)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "loralego-disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var error = Run("mount", $"-t tmpfs -o size={kibibytes}k tmpfs {path}");
        if (error is not null)
        {
            Directory.Delete(path);
            throw new InvalidOperationException("mount failed: " + error);
        }

        return new SmallDisk(path);
    }

    public void Dispose()
    {
        Run("umount", Path);
        try { Directory.Delete(Path); }
        catch (IOException) { }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "a size-limited tmpfs needs Linux";
        try
        {
            using var disk = Mount(64);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "cannot mount a tmpfs here (" + e.Message.Trim() + ")";
        }
    }

    /// <summary>Null on success, else stderr.</summary>
    private static string? Run(string command, string arguments)
    {
        var info = new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : $"exit {process.ExitCode}: {error}";
    }
}

/// <summary>A fact that needs <see cref="SmallDisk"/>; skipped, with the reason, where tmpfs cannot be mounted.</summary>
public sealed class SmallDiskFactAttribute : FactAttribute
{
    public SmallDiskFactAttribute()
    {
        if (SmallDisk.Unavailable is string reason) Skip = "Disk-full test skipped: " + reason;
    }
}
