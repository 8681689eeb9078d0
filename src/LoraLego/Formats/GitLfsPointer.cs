using System;
using System.IO;
using System.Text;
using LoraLego.Adapters;
using LoraLego.Diagnostics;

namespace LoraLego.Formats;

/// <summary>
/// A Git LFS pointer: the small text file a clone without LFS leaves where the weights should be
/// ("version https://git-lfs.github.com/spec/v1", "oid sha256:...", "size ..."). Read as safetensors
/// its first 8 bytes make a nonsense header length, so it is recognised before that.
/// </summary>
internal static class GitLfsPointer
{
    /// <summary>
    /// Opens a safetensors file; when that fails because the file is an LFS pointer, says so instead.
    /// The pointer is looked for only after a failure: a good file costs nothing extra.
    /// </summary>
    public static SafeTensors.SafeTensorFile Open(string file)
    {
        try
        {
            return SafeTensors.SafeTensorFile.Open(file);
        }
        catch (SafeTensors.SafeTensorsException)
        {
            ThrowIfPointer(file);
            throw;
        }
    }

    private const string Signature = "version https://git-lfs.github.com/spec/";

    // Pointers are about 130 bytes; the spec caps them at 1024.
    private const int MaxPointerLength = 1024;

    /// <summary>Throws GitLfsPointer when <paramref name="file"/> is an LFS pointer; does nothing otherwise.</summary>
    public static void ThrowIfPointer(string file)
    {
        string text;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (stream.Length > MaxPointerLength) return;
            var bytes = new byte[(int)stream.Length];
            int read = 0;
            while (read < bytes.Length)
            {
                int n = stream.Read(bytes, read, bytes.Length - read);
                if (n == 0) break;
                read += n;
            }

            text = Encoding.UTF8.GetString(bytes, 0, read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // The reader that follows reports the file's problem in its own words.
        }

        if (!text.StartsWith(Signature, StringComparison.Ordinal)) return;
        string? oid = null, size = null;
        foreach (var line in text.Split('\n'))
        {
            var l = line.Trim();
            if (l.StartsWith("oid ", StringComparison.Ordinal)) oid = l.Substring(4);
            else if (l.StartsWith("size ", StringComparison.Ordinal)) size = l.Substring(5);
        }

        var names = oid is null ? string.Empty : $" It stands for the object {oid}{(size is null ? string.Empty : $" of {size} bytes")}.";
        throw new AdapterException(AdapterErrorIds.GitLfsPointer, LoraErrorCategory.InvalidData, file,
            $"{file} is a Git LFS pointer ({text.Length} bytes of text), not the adapter's weights: the repository was cloned without Git LFS.{names} " +
            "Get the real file with 'git lfs install' then 'git lfs pull' in the clone, or download the file itself from the repository's web page.");
    }
}
