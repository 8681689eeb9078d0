using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace LoraLego.Bench.LanguageModel.Corpora;

/// <summary>
/// Gathers each domain's documents from Debian: files already on the machine, packages installed with
/// apt-get (root only), or a package unpacked with apt-get download + dpkg-deb -x into the cache
/// (the dictionary, whose package would otherwise install the dictd server).
/// </summary>
internal sealed class DomainFetcher
{
    private readonly string _scratch;
    private readonly Action<string> _log;
    private bool _aptUpdated;

    public DomainFetcher(string scratch, Action<string> log)
    {
        _scratch = scratch;
        _log = log;
    }

    public IReadOnlyList<byte[]> Bible()
    {
        EnsureInstalled("bible-kjv", "bible");
        string text = Run("bible", "-f \"Gen1:1-Rev22:21\"");
        // Each verse is "Ge1:1 In the beginning …": keep the verse text only.
        var verses = Regex.Replace(text, @"(?m)^\S+\d+:\d+\s+", string.Empty);
        return new[] { Encoding.UTF8.GetBytes(verses) };
    }

    public IReadOnlyList<byte[]> PythonStdlib()
    {
        var root = Directory.GetDirectories("/usr/lib", "python3.*").Where(d => Regex.IsMatch(Path.GetFileName(d), @"^python3\.\d+$"))
            .OrderByDescending(d => int.Parse(Path.GetFileName(d).Substring("python3.".Length), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "os.py")))
            ?? throw new DomainUnavailableException("no Python standard library under /usr/lib/python3.N (os.py not found)");
        _log($"  python: {root}");
        string skip = Path.Combine(root, "test") + Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(root, "*.py", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(skip, StringComparison.Ordinal) && !f.Contains("/site-packages/") && !f.Contains("/dist-packages/"))
            .OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
    }

    public IReadOnlyList<byte[]> ManPages()
    {
        var files = PackageFiles("manpages").Concat(PackageFiles("manpages-dev"))
            .Where(f => f.EndsWith(".gz", StringComparison.Ordinal) && f.Contains("/man/man") && File.Exists(f) && !IsSymlink(f))
            .Distinct().OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new DomainUnavailableException("packages manpages/manpages-dev list no *.gz pages");
        return files.Select(Gunzip).ToList();
    }

    public IReadOnlyList<byte[]> Gcide()
    {
        string dict = Path.Combine(_scratch, "dict-gcide", "usr/share/dictd/gcide.dict.dz");
        if (!File.Exists(dict))
        {
            string dir = Path.Combine(_scratch, "deb");
            Directory.CreateDirectory(dir);
            if (!TryRun("apt-get", "download dict-gcide", dir, out string err)) throw new DomainUnavailableException($"apt-get download dict-gcide failed: {err}");
            string deb = Directory.GetFiles(dir, "dict-gcide_*.deb").OrderBy(f => f).LastOrDefault()
                ?? throw new DomainUnavailableException("apt-get download dict-gcide wrote no .deb");
            if (!TryRun("dpkg-deb", $"-x \"{deb}\" \"{Path.Combine(_scratch, "dict-gcide")}\"", dir, out err)) throw new DomainUnavailableException($"dpkg-deb -x failed: {err}");
        }

        // dictzip is gzip with an extra header field: GZipStream reads it as one stream.
        return new[] { Gunzip(dict) };
    }

    public IReadOnlyList<byte[]> Fortunes(string package)
    {
        EnsureInstalled(package, null);
        var files = PackageFiles(package)
            .Where(f => f.Contains("/fortunes/") && !f.EndsWith(".dat", StringComparison.Ordinal) && File.Exists(f) && !IsSymlink(f) && !Directory.Exists(f))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new DomainUnavailableException($"package {package} lists no fortune files");
        return files.Select(File.ReadAllBytes).ToList();
    }

    public IReadOnlyList<byte[]> GoSource()
    {
        EnsureInstalled("golang-1.19-src", null);
        const string root = "/usr/lib/go-1.19/src";
        if (!Directory.Exists(root)) throw new DomainUnavailableException($"{root} not found after installing golang-1.19-src");
        return Directory.EnumerateFiles(root, "*.go", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith("_test.go", StringComparison.Ordinal) && !f.Contains("/testdata/"))
            .OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
    }

    private void EnsureInstalled(string package, string? command)
    {
        if (PackageFiles(package).Count > 0 && (command is null || TryRun("which", command, null, out _))) return;
        if (Environment.UserName != "root") throw new DomainUnavailableException($"package {package} is not installed and installing it needs root (apt-get install {package})");
        if (!_aptUpdated)
        {
            TryRun("apt-get", "update -qq", null, out _);
            _aptUpdated = true;
        }

        _log($"  apt-get install {package}");
        if (!TryRun("apt-get", $"install -y -qq {package}", null, out string err)) throw new DomainUnavailableException($"apt-get install {package} failed: {err}");
    }

    private static List<string> PackageFiles(string package) =>
        TryRun("dpkg", $"-L {package}", null, out string output) ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList() : new List<string>();

    private static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    private static byte[] Gunzip(string path)
    {
        using var input = File.OpenRead(path);
        using var gz = new GZipStream(input, CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    private static string Run(string file, string args)
    {
        if (!TryRun(file, args, null, out string output)) throw new DomainUnavailableException($"'{file} {args}' failed: {output}");
        return output;
    }

    private static bool TryRun(string file, string args, string? workingDirectory, out string output)
    {
        var info = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        try
        {
            using var p = Process.Start(info)!;
            p.StandardInput.Close();
            var stderr = p.StandardError.ReadToEndAsync();
            output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) output = stderr.Result.Trim();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            output = e.Message;
            return false;
        }
    }
}
