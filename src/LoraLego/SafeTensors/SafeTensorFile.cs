using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;

namespace LoraLego.SafeTensors;

/// <summary>
/// A validated safetensors header. Keeps no handle open: every read opens the file read-only
/// (sharing read and delete), seeks to the tensor and streams it in chunks, so a file is never
/// loaded whole and never opened for writing.
/// </summary>
public sealed class SafeTensorFile
{
    /// <summary>The format's own cap on the header length (the reference rejects anything larger).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Chunk size for streamed reads: large enough for few syscalls, small enough to stay in cache.</summary>
    internal const int ReadChunkBytes = 1 << 20;

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
        catch (IOException ex)
        {
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

    /// <summary>Reads an F32, F16, BF16 or F64 tensor as float32 (exact for the 16-bit types; F64 rounds like a cast).</summary>
    public float[] ReadFloat32(string name)
    {
        TensorInfo tensor = GetTensor(name);
        CheckFloat(tensor);
        if (tensor.ElementCount > MaxArrayLength)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.TensorTooLarge, Path, name, $"{tensor.ElementCount} elements do not fit in one array");
        }

        float[] values = new float[tensor.ElementCount];
        ReadFloat32(tensor, values);
        return values;
    }

    public void ReadFloat32(TensorInfo tensor, Span<float> destination)
    {
        CheckOwned(tensor);
        CheckFloat(tensor);
        if (destination.Length != tensor.ElementCount)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats but tensor '{tensor.Name}' has {tensor.ElementCount}", nameof(destination));
        }

        if (tensor.ElementCount == 0)
        {
            return;
        }

        int elementBytes = SafeTensorDTypes.BitsPerElement(tensor.DType) / 8;
        int chunkElements = ReadChunkBytes / elementBytes;
        byte[] chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(ReadChunkBytes, tensor.ByteLength));
        try
        {
            using FileStream stream = OpenForTensor(tensor);
            int done = 0;
            while (done < destination.Length)
            {
                int count = Math.Min(chunkElements, destination.Length - done);
                int bytes = count * elementBytes;
                ReadExactly(stream, chunk, bytes, Path, tensor.Name);
                Float32Decoding.Decode(tensor.DType, new ReadOnlySpan<byte>(chunk, 0, bytes), destination.Slice(done, count));
                done += count;
            }
        }
        catch (IOException ex)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.ReadFailed, Path, tensor.Name, ex.Message, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The tensor's bytes exactly as stored (little-endian, row-major).</summary>
    public byte[] ReadRaw(TensorInfo tensor)
    {
        CheckOwned(tensor);
        if (tensor.ByteLength > MaxArrayLength)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.TensorTooLarge, Path, tensor.Name, $"{tensor.ByteLength} bytes do not fit in one array");
        }

        byte[] bytes = new byte[tensor.ByteLength];
        if (bytes.Length == 0)
        {
            return bytes;
        }

        try
        {
            using FileStream stream = OpenForTensor(tensor);
            ReadExactly(stream, bytes, bytes.Length, Path, tensor.Name);
        }
        catch (IOException ex)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.ReadFailed, Path, tensor.Name, ex.Message, ex);
        }

        return bytes;
    }

    public override string ToString() => $"{Path} ({Tensors.Count} tensors)";

    /// <summary>Largest length .NET allows for a byte or float array.</summary>
    private const long MaxArrayLength = 0x7FFFFFC7;

    private FileStream OpenForTensor(TensorInfo tensor)
    {
        FileStream stream = OpenRead(Path);
        try
        {
            // A file swapped or truncated since Open would hand us bytes of some other layout.
            if (stream.Length != FileLength)
            {
                throw new SafeTensorsException(SafeTensorsErrorKind.FileChanged, Path, tensor.Name,
                    $"the file is now {stream.Length} bytes long, not the {FileLength} it had when it was opened");
            }

            stream.Seek(DataStart + tensor.DataBegin, SeekOrigin.Begin);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private void CheckOwned(TensorInfo tensor)
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

    private void CheckFloat(TensorInfo tensor)
    {
        if (!Float32Decoding.CanDecode(tensor.DType))
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.UnsupportedDType, Path, tensor.Name,
                $"dtype {tensor.DType} cannot be read as float32 (only F32, F16, BF16 and F64 can)");
        }
    }

    private static FileStream OpenRead(string fullPath)
    {
        try
        {
            // bufferSize 1 turns FileStream's own buffer off: reads go straight into our chunk.
            return new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
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
