using System;
using System.Buffers;
using System.IO;

namespace LoraLego.SafeTensors;

/// <summary>
/// One read-only handle on a safetensors file for reading many tensors in a row: opening the file
/// once instead of once per tensor saves several system calls per tensor (an adapter has hundreds).
/// Not thread-safe; dispose it when done. <see cref="SafeTensorFile"/>'s own read methods open one
/// of these per call, so they keep no handle open.
/// </summary>
public sealed class SafeTensorReader : IDisposable
{
    /// <summary>Chunk size for streamed reads: few system calls, and small enough to stay in L2 while it is decoded.</summary>
    internal const int ReadChunkBytes = 256 << 10;

    /// <summary>Largest length .NET allows for a byte or float array.</summary>
    private const long MaxArrayLength = 0x7FFFFFC7;

    private readonly SafeTensorFile file;
    private FileStream? stream;

    /// <param name="forTensor">The tensor a one-shot read is for, so an open failure can name it.</param>
    internal SafeTensorReader(SafeTensorFile file, string? forTensor)
    {
        this.file = file;
        stream = SafeTensorFile.OpenRead(file.Path);
        try
        {
            // A file swapped or truncated since Open would hand us bytes of some other layout.
            long length = stream.Length;
            if (length != file.FileLength)
            {
                throw new SafeTensorsException(SafeTensorsErrorKind.FileChanged, file.Path, forTensor,
                    $"the file is now {length} bytes long, not the {file.FileLength} it had when it was opened");
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public SafeTensorFile File => file;

    /// <summary>Reads an F32, F16, BF16 or F64 tensor as float32 (exact for the 16-bit types; F64 rounds like a cast).</summary>
    public float[] ReadFloat32(string name)
    {
        TensorInfo tensor = file.GetTensor(name);
        CheckFloat(tensor);
        if (tensor.ElementCount > MaxArrayLength)
        {
            throw Fail(SafeTensorsErrorKind.TensorTooLarge, tensor, $"{tensor.ElementCount} elements do not fit in one array");
        }

        float[] values = new float[tensor.ElementCount];
        ReadFloat32(tensor, values);
        return values;
    }

    public void ReadFloat32(TensorInfo tensor, Span<float> destination)
    {
        file.CheckOwned(tensor);
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
            FileStream open = Seek(tensor);
            int done = 0;
            while (done < destination.Length)
            {
                int count = Math.Min(chunkElements, destination.Length - done);
                int bytes = count * elementBytes;
                ReadExactly(open, chunk, bytes, tensor);
                Float32Decoding.Decode(tensor.DType, new ReadOnlySpan<byte>(chunk, 0, bytes), destination.Slice(done, count));
                done += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>The tensor's bytes exactly as stored (little-endian, row-major).</summary>
    public byte[] ReadRaw(TensorInfo tensor)
    {
        file.CheckOwned(tensor);
        if (tensor.ByteLength > MaxArrayLength)
        {
            throw Fail(SafeTensorsErrorKind.TensorTooLarge, tensor, $"{tensor.ByteLength} bytes do not fit in one array");
        }

        byte[] bytes = new byte[tensor.ByteLength];
        if (bytes.Length > 0)
        {
            ReadExactly(Seek(tensor), bytes, bytes.Length, tensor);
        }

        return bytes;
    }

    public void Dispose()
    {
        stream?.Dispose();
        stream = null;
    }

    private FileStream Seek(TensorInfo tensor)
    {
        FileStream open = stream ?? throw new ObjectDisposedException(nameof(SafeTensorReader));
        try
        {
            open.Seek(file.DataStart + tensor.DataBegin, SeekOrigin.Begin);
        }
        catch (IOException ex)
        {
            throw Fail(SafeTensorsErrorKind.ReadFailed, tensor, ex.Message, ex);
        }

        return open;
    }

    private void ReadExactly(FileStream open, byte[] buffer, int count, TensorInfo tensor)
    {
        int read = 0;
        while (read < count)
        {
            int n;
            try
            {
                n = open.Read(buffer, read, count - read);
            }
            catch (IOException ex)
            {
                throw Fail(SafeTensorsErrorKind.ReadFailed, tensor, ex.Message, ex);
            }

            if (n == 0)
            {
                throw Fail(SafeTensorsErrorKind.FileChanged, tensor, "the file ended early: it was truncated while being read");
            }

            read += n;
        }
    }

    private void CheckFloat(TensorInfo tensor)
    {
        if (!Float32Decoding.CanDecode(tensor.DType))
        {
            throw Fail(SafeTensorsErrorKind.UnsupportedDType, tensor, $"dtype {tensor.DType} cannot be read as float32 (only F32, F16, BF16 and F64 can)");
        }
    }

    private SafeTensorsException Fail(SafeTensorsErrorKind kind, TensorInfo tensor, string detail, Exception? inner = null) =>
        new SafeTensorsException(kind, file.Path, tensor.Name, detail, inner);
}
