using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;

namespace LoraLego.SafeTensors;

/// <summary>
/// A validated safetensors header. Keeps no handle open: every read opens the file read-only
/// (sharing read and delete), seeks to the tensor and streams it in chunks, so a file is never
/// loaded whole and never opened for writing. Immutable, so safe to read from several threads.
/// </summary>
public sealed class SafeTensorFile
{
    /// <summary>The format's own cap on the header length (the reference rejects anything larger).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly Dictionary<string, TensorInfo> byName;

    private SafeTensorFile(string path, long fileLength, long dataStart, Dictionary<string, string> metadata, List<TensorInfo> tensors)
    {
        Path = path;
        FileLength = fileLength;
        DataStart = dataStart;
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
        Tensors = tensors.AsReadOnly();
        byName = new Dictionary<string, TensorInfo>(tensors.Count, StringComparer.Ordinal);
        foreach (TensorInfo tensor in tensors)
        {
            byName.Add(tensor.Name, tensor);
        }
    }

    public string Path { get; }

    public long FileLength { get; }

    /// <summary>Where the data buffer starts: 8 + N.</summary>
    public long DataStart { get; }

    /// <summary>The header's "__metadata__" strings; empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensors in header order.</summary>
    public IReadOnlyList<TensorInfo> Tensors { get; }

    /// <summary>Reads and validates the header against every rule of the format.</summary>
    public static SafeTensorFile Open(string path)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

        string fullPath = System.IO.Path.GetFullPath(path);
        using FileStream stream = OpenRead(fullPath);
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw new SafeTensorsException(SafeTensorsErrorKind.FileTooSmall, fullPath, null, $"the file has {fileLength} bytes, fewer than the 8 of the header length");
            }

            byte[] prefix = new byte[8];
            ReadExactly(stream, prefix, 8, fullPath, null);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > MaxHeaderLength)
            {
                throw new SafeTensorsException(SafeTensorsErrorKind.HeaderTooLarge, fullPath, null, $"the header length {headerLength} exceeds the limit of {MaxHeaderLength} bytes");
            }

            // Checked against the real file length before allocating: a lying N cannot make us allocate.
            if (8 + (long)headerLength > fileLength)
            {
                throw new SafeTensorsException(SafeTensorsErrorKind.HeaderOutOfBounds, fullPath, null, $"the header length {headerLength} runs past the end of the {fileLength}-byte file");
            }

            byte[] header = new byte[(int)headerLength];
            ReadExactly(stream, header, header.Length, fullPath, null);
            long dataStart = 8 + (long)headerLength;
            SafeTensorHeaderParser.Parse(fullPath, header, fileLength - dataStart, out Dictionary<string, string> metadata, out List<TensorInfo> tensors);
            return new SafeTensorFile(fullPath, fileLength, dataStart, metadata, tensors);
        }
        catch (Exception ex) when (ex is IOException || ex is NotSupportedException)
        {
            // NotSupportedException: a pipe or device without a length.
            throw new SafeTensorsException(SafeTensorsErrorKind.ReadFailed, fullPath, null, ex.Message, ex);
        }
    }

    public bool TryGetTensor(string name, out TensorInfo info) => byName.TryGetValue(name, out info!);

    public TensorInfo GetTensor(string name)
    {
        if (!byName.TryGetValue(name, out TensorInfo? info))
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.TensorNotFound, Path, name, "the file has no tensor of that name");
        }

        return info;
    }

    /// <summary>
    /// One read-only handle for reading many tensors in a row (an addition to the contract: the
    /// methods below open one per call, which costs several system calls per tensor).
    /// </summary>
    public SafeTensorReader OpenReader() => new SafeTensorReader(this, forTensor: null);

    /// <summary>Reads an F32, F16, BF16 or F64 tensor as float32 (exact for the 16-bit types; F64 rounds like a cast).</summary>
    public float[] ReadFloat32(string name)
    {
        GetTensor(name); // a missing tensor fails without touching the disk
        using var reader = new SafeTensorReader(this, name);
        return reader.ReadFloat32(name);
    }

    public void ReadFloat32(TensorInfo tensor, Span<float> destination)
    {
        CheckOwned(tensor);
        using var reader = new SafeTensorReader(this, tensor.Name);
        reader.ReadFloat32(tensor, destination);
    }

    /// <summary>The tensor's bytes exactly as stored (little-endian, row-major).</summary>
    public byte[] ReadRaw(TensorInfo tensor)
    {
        CheckOwned(tensor);
        using var reader = new SafeTensorReader(this, tensor.Name);
        return reader.ReadRaw(tensor);
    }

    public override string ToString() => $"{Path} ({Tensors.Count} tensors)";

    internal void CheckOwned(TensorInfo tensor)
    {
        if (tensor is null)
        {
            throw new ArgumentNullException(nameof(tensor));
        }

        if (!byName.TryGetValue(tensor.Name, out TensorInfo? own) || !ReferenceEquals(own, tensor))
        {
            throw new ArgumentException($"tensor '{tensor.Name}' does not come from '{Path}'", nameof(tensor));
        }
    }

    internal static FileStream OpenRead(string fullPath)
    {
        try
        {
            // bufferSize 1 turns FileStream's own buffer off: reads go straight into our chunk.
            return new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.None);
        }
        catch (FileNotFoundException ex)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.FileNotFound, fullPath, null, "the file does not exist", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.FileNotFound, fullPath, null, "the file does not exist", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.ReadFailed, fullPath, null, $"the file cannot be opened for reading ({ex.Message})", ex);
        }
        catch (IOException ex)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.ReadFailed, fullPath, null, $"the file cannot be opened for reading ({ex.Message})", ex);
        }
    }

    private static void ReadExactly(Stream stream, byte[] buffer, int count, string path, string? tensor)
    {
        int read = 0;
        while (read < count)
        {
            int n = stream.Read(buffer, read, count - read);
            if (n == 0)
            {
                throw new SafeTensorsException(SafeTensorsErrorKind.FileChanged, path, tensor, "the file ended early: it was truncated while being read");
            }

            read += n;
        }
    }
}
