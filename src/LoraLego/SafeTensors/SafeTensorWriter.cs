using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LoraLego.SafeTensors;

/// <summary>
/// Streams a safetensors file: the header is fixed up front from the specs, then each tensor is
/// written in spec order. Everything goes to a temporary file in the target folder which Commit
/// renames into place, so a failed or abandoned write never leaves a half-written output.
/// </summary>
public sealed class SafeTensorWriter : IDisposable
{
    /// <summary>Chunk size for float conversions: bounded memory whatever the tensor size.</summary>
    private const int EncodeChunkElements = 1 << 18;

    private readonly string path;
    private readonly string tempPath;
    private readonly bool overwrite;
    private readonly TensorSpec[] specs;
    private readonly long[] byteLengths;
    private readonly int headerLength;
    private FileStream? stream;
    private int next;
    private bool committed;

    public SafeTensorWriter(string path, IReadOnlyList<TensorSpec> tensors, IReadOnlyDictionary<string, string>? metadata, bool overwrite = false)
    {
        if (path is null)
        {
            throw new ArgumentNullException(nameof(path));
        }

        if (tensors is null)
        {
            throw new ArgumentNullException(nameof(tensors));
        }

        this.path = System.IO.Path.GetFullPath(path);
        this.overwrite = overwrite;
        specs = new TensorSpec[tensors.Count];
        byteLengths = new long[tensors.Count];
        var names = new HashSet<string>(StringComparer.Ordinal);
        long totalBytes = 0;
        for (int i = 0; i < specs.Length; i++)
        {
            TensorSpec spec = tensors[i] ?? throw new ArgumentException($"tensor spec {i} is null", nameof(tensors));
            if (spec.Name == SafeTensorHeaderParser.MetadataKey)
            {
                throw Fail(SafeTensorsErrorKind.InvalidTensorSpec, spec.Name, $"\"{SafeTensorHeaderParser.MetadataKey}\" is reserved for metadata");
            }

            if (!names.Add(spec.Name))
            {
                throw Fail(SafeTensorsErrorKind.InvalidTensorSpec, spec.Name, "the tensor name is given more than once");
            }

            SafeTensorsErrorKind? sizeError = SafeTensorDTypes.TryByteLength(spec.DType, spec.Shape, out _, out long bytes);
            if (sizeError != null)
            {
                throw Fail(SafeTensorsErrorKind.InvalidTensorSpec, spec.Name, $"{spec} has no valid byte size ({sizeError})");
            }

            if (bytes > long.MaxValue - totalBytes)
            {
                throw Fail(SafeTensorsErrorKind.InvalidTensorSpec, spec.Name, "the tensors together overflow a 64-bit byte count");
            }

            totalBytes += bytes;
            specs[i] = spec;
            byteLengths[i] = bytes;
        }

        byte[] header = BuildHeader(metadata);
        headerLength = header.Length;
        if (Directory.Exists(this.path))
        {
            throw Fail(SafeTensorsErrorKind.OutputExists, null, "a folder of that name exists");
        }

        if (!overwrite && File.Exists(this.path))
        {
            throw Fail(SafeTensorsErrorKind.OutputExists, null, "the file already exists (pass overwrite to replace it)");
        }

        string directory = System.IO.Path.GetDirectoryName(this.path)!;
        tempPath = System.IO.Path.Combine(directory, "." + System.IO.Path.GetFileName(this.path) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
        try
        {
            stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
            stream.Write(header, 0, header.Length);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            DeleteTemp();
            throw Fail(SafeTensorsErrorKind.WriteFailed, null, $"cannot create the temporary file '{tempPath}' ({ex.Message})", ex);
        }
    }

    /// <summary>Writes the next tensor (in spec order), converting float32 to its dtype with round-to-nearest-even.</summary>
    public void WriteTensor(string name, ReadOnlySpan<float> data)
    {
        TensorSpec spec = NextFloat32(name, data.Length);
        byte[] chunk = RentEncodeChunk(spec);
        try
        {
            for (int done = 0; done < data.Length; done += EncodeChunkElements)
            {
                EncodeAndWrite(spec, data.Slice(done, Math.Min(EncodeChunkElements, data.Length - done)), chunk);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        next++;
    }

    /// <summary>
    /// Writes the next tensor (in spec order) from <paramref name="count"/> float32 values that
    /// <paramref name="source"/> fills in a chunk at a time, so a tensor computed on the fly (factors
    /// folded from units) is encoded straight from a small buffer instead of a full-size float32 copy.
    /// </summary>
    public void WriteTensor(string name, long count, Float32ChunkSource source)
    {
        if (source is null)
        {
            throw new ArgumentNullException(nameof(source));
        }

        TensorSpec spec = NextFloat32(name, count);
        byte[] chunk = RentEncodeChunk(spec);
        float[] values = ArrayPool<float>.Shared.Rent((int)Math.Min(EncodeChunkElements, Math.Max(1, count)));
        try
        {
            for (long done = 0; done < count; done += EncodeChunkElements)
            {
                Span<float> part = values.AsSpan(0, (int)Math.Min(EncodeChunkElements, count - done));
                source(done, part);
                EncodeAndWrite(spec, part, chunk);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
            ArrayPool<byte>.Shared.Return(chunk);
        }

        next++;
    }

    /// <summary>Writes the next tensor's bytes as they are (already little-endian in the spec's dtype).</summary>
    public void WriteTensorRaw(string name, ReadOnlySpan<byte> data)
    {
        TensorSpec spec = Next(name);
        if (data.Length != byteLengths[next])
        {
            throw Fail(SafeTensorsErrorKind.DataLengthMismatch, name, $"{data.Length} bytes given, {spec} takes {byteLengths[next]}");
        }

        byte[] chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(1 << 20, Math.Max(1, data.Length)));
        try
        {
            for (int done = 0; done < data.Length; done += chunk.Length)
            {
                int count = Math.Min(chunk.Length, data.Length - done);
                data.Slice(done, count).CopyTo(chunk);
                WriteBytes(chunk, count, name);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        next++;
    }

    /// <summary>Pushes what is written so far to disk (fsync), e.g. while the caller waits for values to finish the header with.</summary>
    public void FlushToDisk()
    {
        FileStream open = OpenStream(null);
        try
        {
            open.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            DeleteTemp();
            throw Fail(SafeTensorsErrorKind.WriteFailed, null, ex.Message, ex);
        }
    }

    /// <summary>
    /// Rewrites the header with <paramref name="metadata"/> in place of what the constructor was given,
    /// for values known only once the tensors are written (such as hashes computed meanwhile). The
    /// header must come out exactly as long, since the tensor data starts right after it; the file is
    /// then the same as if these values had been given up front.
    /// </summary>
    public void ReplaceMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        FileStream open = OpenStream(null);
        byte[] header = BuildHeader(metadata);
        if (header.Length != headerLength)
        {
            throw new ArgumentException($"The new metadata makes a header of {header.Length} bytes; the tensors were laid out after one of {headerLength}.", nameof(metadata));
        }

        try
        {
            long end = open.Position;
            open.Position = 0;
            open.Write(header, 0, header.Length);
            open.Position = end;
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            DeleteTemp();
            throw Fail(SafeTensorsErrorKind.WriteFailed, null, ex.Message, ex);
        }
    }

    /// <summary>Flushes to disk and renames the temporary file into place.</summary>
    public void Commit()
    {
        FileStream open = OpenStream(null);
        if (next != specs.Length)
        {
            throw Fail(SafeTensorsErrorKind.IncompleteWrite, specs[next].Name, $"only {next} of {specs.Length} tensors were written");
        }

        try
        {
            open.Flush(flushToDisk: true);
            open.Dispose();
            stream = null;
            if (File.Exists(path))
            {
                if (!overwrite)
                {
                    throw Fail(SafeTensorsErrorKind.OutputExists, null, "the file appeared while it was being written (pass overwrite to replace it)");
                }

                File.Replace(tempPath, path, destinationBackupFileName: null);
            }
            else
            {
                File.Move(tempPath, path);
            }

            committed = true;
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            DeleteTemp();
            if (!overwrite && File.Exists(path))
            {
                throw Fail(SafeTensorsErrorKind.OutputExists, null, "the file appeared while it was being written (pass overwrite to replace it)", ex);
            }

            throw Fail(SafeTensorsErrorKind.WriteFailed, null, $"cannot move the finished file into place ({ex.Message})", ex);
        }
        finally
        {
            if (!committed)
            {
                DeleteTemp();
            }
        }
    }

    /// <summary>Without Commit the temporary file is deleted: nothing half-written is left behind.</summary>
    public void Dispose()
    {
        if (!committed)
        {
            DeleteTemp();
        }
    }

    /// <summary>The next spec, which must take <paramref name="count"/> values of a dtype float32 encodes to.</summary>
    private TensorSpec NextFloat32(string name, long count)
    {
        TensorSpec spec = Next(name);
        if (!Float32Encoding.CanEncode(spec.DType))
        {
            throw Fail(SafeTensorsErrorKind.UnsupportedDType, name, $"float32 data cannot be written as {spec.DType}; use WriteTensorRaw");
        }

        long expected = byteLengths[next] / Float32Encoding.BytesPerElement(spec.DType);
        if (count != expected)
        {
            throw Fail(SafeTensorsErrorKind.DataLengthMismatch, name, $"{count} values given, {spec} holds {expected}");
        }

        return spec;
    }

    /// <summary>Room for one encoded chunk of the next tensor (no more than the tensor takes).</summary>
    private byte[] RentEncodeChunk(TensorSpec spec) =>
        ArrayPool<byte>.Shared.Rent((int)Math.Min((long)EncodeChunkElements * Float32Encoding.BytesPerElement(spec.DType), Math.Max(1, byteLengths[next])));

    private void EncodeAndWrite(TensorSpec spec, ReadOnlySpan<float> values, byte[] chunk)
    {
        Float32Encoding.Encode(spec.DType, values, chunk);
        WriteBytes(chunk, values.Length * Float32Encoding.BytesPerElement(spec.DType), spec.Name);
    }

    private TensorSpec Next(string name)
    {
        OpenStream(name);
        if (next >= specs.Length)
        {
            throw Fail(SafeTensorsErrorKind.TensorOrder, name, $"all {specs.Length} tensors are already written");
        }

        TensorSpec spec = specs[next];
        if (spec.Name != name)
        {
            throw Fail(SafeTensorsErrorKind.TensorOrder, name, $"tensors must be written in spec order: expected '{spec.Name}' next");
        }

        return spec;
    }

    private FileStream OpenStream(string? tensor)
    {
        if (stream is null)
        {
            string state = committed ? "already committed" : "closed after a failure or Dispose";
            throw Fail(SafeTensorsErrorKind.TensorOrder, tensor, $"the writer is {state}");
        }

        return stream;
    }

    private void WriteBytes(byte[] buffer, int count, string tensor)
    {
        try
        {
            stream!.Write(buffer, 0, count);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            DeleteTemp();
            throw Fail(SafeTensorsErrorKind.WriteFailed, tensor, ex.Message, ex);
        }
    }

    /// <summary>
    /// Header like the reference writer: "__metadata__" first, tensors in offset order, compact JSON,
    /// spaces at the end so the data starts at a multiple of 8.
    /// </summary>
    private byte[] BuildHeader(IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false }))
        {
            json.WriteStartObject();
            if (metadata != null)
            {
                json.WriteStartObject(SafeTensorHeaderParser.MetadataKey);
                foreach (KeyValuePair<string, string> pair in metadata)
                {
                    json.WriteString(pair.Key, pair.Value ?? throw new ArgumentException($"metadata value '{pair.Key}' is null", nameof(metadata)));
                }

                json.WriteEndObject();
            }

            long offset = 0;
            for (int i = 0; i < specs.Length; i++)
            {
                json.WriteStartObject(specs[i].Name);
                json.WriteString("dtype", SafeTensorDTypes.HeaderName(specs[i].DType));
                json.WriteStartArray("shape");
                foreach (long dim in specs[i].Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + byteLengths[i]);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += byteLengths[i];
            }

            json.WriteEndObject();
        }

        int jsonLength = (int)buffer.Length;
        int padded = (jsonLength + 7) / 8 * 8; // 8 + N is a multiple of 8 exactly when N is
        if (padded > SafeTensorFile.MaxHeaderLength)
        {
            throw Fail(SafeTensorsErrorKind.HeaderTooLarge, null, $"the header would take {padded} bytes, over the limit of {SafeTensorFile.MaxHeaderLength}");
        }

        byte[] header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        Array.Copy(buffer.GetBuffer(), 0, header, 8, jsonLength);
        for (int i = 8 + jsonLength; i < header.Length; i++)
        {
            header[i] = (byte)' ';
        }

        return header;
    }

    private void DeleteTemp()
    {
        try
        {
            stream?.Dispose();
        }
        catch (IOException)
        {
            // Closing a broken stream may fail again; the delete below is what matters.
        }

        stream = null;
        try
        {
            if (tempPath != null && File.Exists(tempPath))
            {
                File.Delete(tempPath);
            }
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            // Best effort: the temp name is hidden and unique, it never shadows the output.
        }
    }

    private SafeTensorsException Fail(SafeTensorsErrorKind kind, string? tensor, string detail, Exception? inner = null) =>
        new SafeTensorsException(kind, path, tensor, detail, inner);
}
