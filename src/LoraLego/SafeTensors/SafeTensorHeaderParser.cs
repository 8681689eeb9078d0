using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace LoraLego.SafeTensors;

/// <summary>
/// Parses and validates the JSON header of a safetensors file in one pass with Utf8JsonReader,
/// so that duplicate keys (which a dictionary-based parser would silently merge) are seen.
/// </summary>
internal sealed class SafeTensorHeaderParser
{
    public const string MetadataKey = "__metadata__";

    /// <summary>Deep nesting is only possible inside unknown entry fields; real headers are 3 deep.</summary>
    internal const int MaxDepth = 32;

    private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string path;
    private readonly Dictionary<string, string> metadata = new Dictionary<string, string>(StringComparer.Ordinal);
    private readonly List<TensorInfo> tensors = new List<TensorInfo>();
    private readonly HashSet<string> tensorNames = new HashSet<string>(StringComparer.Ordinal);
    private bool sawMetadata;

    private SafeTensorHeaderParser(string path)
    {
        this.path = path;
    }

    public static void Parse(string path, byte[] header, long dataLength, out Dictionary<string, string> metadata, out List<TensorInfo> tensors)
    {
        try
        {
            StrictUtf8.GetCharCount(header);
        }
        catch (DecoderFallbackException ex)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.HeaderNotUtf8, path, null, $"the header is not valid UTF-8 ({ex.Message})", ex);
        }

        var parser = new SafeTensorHeaderParser(path);
        var reader = new Utf8JsonReader(header, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = MaxDepth + 2,
        });

        try
        {
            parser.ParseRoot(ref reader);
        }
        catch (JsonException ex)
        {
            throw new SafeTensorsException(SafeTensorsErrorKind.HeaderNotJson, path, null, $"the header is not valid JSON ({ex.Message})", ex);
        }
        catch (InvalidOperationException ex)
        {
            // GetString on an escaped lone surrogate ("\ud800"): valid JSON grammar, but no string; serde_json refuses it too.
            throw new SafeTensorsException(SafeTensorsErrorKind.HeaderNotJson, path, null, $"the header holds a string that is not valid Unicode ({ex.Message})", ex);
        }

        parser.CheckLayout(dataLength);
        metadata = parser.metadata;
        tensors = parser.tensors;
    }

    private void ParseRoot(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw Fail(SafeTensorsErrorKind.HeaderNotJson, null, "the header is empty or only whitespace");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            // Tell "valid JSON but not an object" apart from garbage: read the value to its end.
            SkipValue(ref reader);
            ExpectEnd(ref reader);
            throw Fail(SafeTensorsErrorKind.HeaderNotObject, null, $"the header is a JSON {Describe(reader.TokenType)}, not an object");
        }

        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            string key = reader.GetString()!;
            Read(ref reader);
            if (key == MetadataKey)
            {
                ParseMetadata(ref reader);
            }
            else
            {
                ParseTensor(ref reader, key);
            }
        }

        ExpectEnd(ref reader);
    }

    private void ParseMetadata(ref Utf8JsonReader reader)
    {
        if (sawMetadata)
        {
            throw Fail(SafeTensorsErrorKind.DuplicateMetadataKey, null, $"the header has more than one \"{MetadataKey}\" entry");
        }

        sawMetadata = true;
        if (reader.TokenType == JsonTokenType.Null)
        {
            // The reference writes Option<HashMap>: null means "no metadata".
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Fail(SafeTensorsErrorKind.MetadataNotStrings, null, $"\"{MetadataKey}\" is a JSON {Describe(reader.TokenType)}, not an object of strings");
        }

        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return;
            }

            string key = reader.GetString()!;
            Read(ref reader);
            if (reader.TokenType != JsonTokenType.String)
            {
                throw Fail(SafeTensorsErrorKind.MetadataNotStrings, null, $"metadata value \"{key}\" is a JSON {Describe(reader.TokenType)}, not a string");
            }

            if (metadata.ContainsKey(key))
            {
                throw Fail(SafeTensorsErrorKind.DuplicateMetadataKey, null, $"metadata key \"{key}\" appears more than once");
            }

            metadata.Add(key, reader.GetString()!);
        }
    }

    private void ParseTensor(ref Utf8JsonReader reader, string name)
    {
        if (!tensorNames.Add(name))
        {
            throw Fail(SafeTensorsErrorKind.DuplicateTensor, name, "the tensor name appears more than once in the header");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, name, $"the entry is a JSON {Describe(reader.TokenType)}, not an object with dtype, shape and data_offsets");
        }

        string? dtypeName = null;
        List<long>? shape = null;
        long[]? offsets = null;
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            string field = reader.GetString()!;
            Read(ref reader);
            switch (field)
            {
                case "dtype":
                    if (dtypeName != null)
                    {
                        throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, name, "\"dtype\" appears more than once");
                    }

                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, name, "\"dtype\" is not a string");
                    }

                    dtypeName = reader.GetString()!;
                    break;
                case "shape":
                    if (shape != null)
                    {
                        throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, name, "\"shape\" appears more than once");
                    }

                    shape = ReadIntegerArray(ref reader, name, "shape", isShape: true);
                    break;
                case "data_offsets":
                    if (offsets != null)
                    {
                        throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, name, "\"data_offsets\" appears more than once");
                    }

                    List<long> values = ReadIntegerArray(ref reader, name, "data_offsets", isShape: false);
                    if (values.Count != 2)
                    {
                        throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, name, $"\"data_offsets\" has {values.Count} entries, expected [begin, end]");
                    }

                    offsets = values.ToArray();
                    break;
                default:
                    // The reference ignores fields it does not know; so do we, within the depth bound.
                    SkipValue(ref reader);
                    break;
            }
        }

        if (dtypeName == null || shape == null || offsets == null)
        {
            string missing = dtypeName == null ? "dtype" : shape == null ? "shape" : "data_offsets";
            throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, name, $"the entry has no \"{missing}\"");
        }

        if (!SafeTensorDTypes.TryParse(dtypeName, out SafeTensorDType dtype))
        {
            throw Fail(SafeTensorsErrorKind.UnknownDType, name, $"unknown dtype \"{dtypeName}\"");
        }

        long[] shapeArray = shape.ToArray();
        SafeTensorsErrorKind? sizeError = SafeTensorDTypes.TryByteLength(dtype, shapeArray, out long elementCount, out long byteLength);
        if (sizeError != null)
        {
            string detail = sizeError == SafeTensorsErrorKind.MisalignedBits
                ? $"{elementCount} elements of {dtype} ({SafeTensorDTypes.BitsPerElement(dtype)} bits each) are not a whole number of bytes"
                : $"shape [{string.Join(", ", shapeArray)}] of {dtype} overflows a 64-bit byte count";
            throw Fail(sizeError.Value, name, detail);
        }

        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin)
        {
            throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, name, $"data_offsets [{begin}, {end}] end before they begin");
        }

        if (end - begin != byteLength)
        {
            throw Fail(SafeTensorsErrorKind.TensorSizeMismatch, name,
                $"data_offsets [{begin}, {end}] span {end - begin} bytes but {dtype}[{string.Join(", ", shapeArray)}] needs {byteLength}");
        }

        tensors.Add(new TensorInfo(name, dtype, shapeArray, begin, end, elementCount));
    }

    private List<long> ReadIntegerArray(ref Utf8JsonReader reader, string tensor, string field, bool isShape)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, tensor, $"\"{field}\" is a JSON {Describe(reader.TokenType)}, not an array of integers");
        }

        var values = new List<long>();
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return values;
            }

            if (reader.TokenType != JsonTokenType.Number)
            {
                throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, tensor, $"\"{field}\" holds a JSON {Describe(reader.TokenType)}, not an integer");
            }

            if (reader.TryGetInt64(out long value))
            {
                if (value < 0)
                {
                    throw Fail(isShape ? SafeTensorsErrorKind.NegativeShape : SafeTensorsErrorKind.InvalidTensorEntry, tensor,
                        $"\"{field}\" holds the negative value {value}");
                }

                values.Add(value);
                continue;
            }

            string raw = Encoding.UTF8.GetString(reader.ValueSpan.ToArray());
            bool integral = raw.IndexOfAny(new[] { '.', 'e', 'E' }) < 0;
            if (integral && raw.StartsWith("-", StringComparison.Ordinal) && isShape)
            {
                throw Fail(SafeTensorsErrorKind.NegativeShape, tensor, $"\"{field}\" holds the negative value {raw}");
            }

            if (integral && !raw.StartsWith("-", StringComparison.Ordinal))
            {
                throw Fail(SafeTensorsErrorKind.SizeOverflow, tensor, $"\"{field}\" holds {raw}, beyond a 64-bit signed integer");
            }

            throw Fail(SafeTensorsErrorKind.InvalidTensorEntry, tensor, $"\"{field}\" holds {raw}, not a non-negative integer");
        }
    }

    /// <summary>Sorted by offset the tensors must tile the data buffer: no gap, no overlap, nothing after.</summary>
    private void CheckLayout(long dataLength)
    {
        var ordered = new List<TensorInfo>(tensors);
        ordered.Sort((a, b) => a.DataBegin != b.DataBegin ? a.DataBegin.CompareTo(b.DataBegin) : a.DataEnd.CompareTo(b.DataEnd));
        long position = 0;
        foreach (TensorInfo tensor in ordered)
        {
            if (tensor.DataBegin != position)
            {
                string what = tensor.DataBegin > position ? $"leaves a gap: the previous data ends at {position}" : $"overlaps data that ends at {position}";
                throw Fail(SafeTensorsErrorKind.OffsetsNotContiguous, tensor.Name, $"data_offsets [{tensor.DataBegin}, {tensor.DataEnd}] {what}");
            }

            position = tensor.DataEnd;
        }

        if (position > dataLength)
        {
            string? last = ordered.Count > 0 ? ordered[ordered.Count - 1].Name : null;
            throw Fail(SafeTensorsErrorKind.TruncatedData, last, $"the tensor data needs {position} bytes after the header but the file holds only {dataLength}");
        }

        if (position < dataLength)
        {
            throw Fail(SafeTensorsErrorKind.TrailingBytes, null, $"{dataLength - position} bytes after the last tensor belong to no tensor");
        }
    }

    private void SkipValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject && reader.TokenType != JsonTokenType.StartArray)
        {
            return;
        }

        int depth = reader.CurrentDepth;
        while (true)
        {
            Read(ref reader);
            if ((reader.TokenType == JsonTokenType.EndObject || reader.TokenType == JsonTokenType.EndArray) && reader.CurrentDepth == depth)
            {
                return;
            }
        }
    }

    private void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw Fail(SafeTensorsErrorKind.HeaderNotJson, null, "the header JSON ends early");
        }

        if (reader.CurrentDepth > MaxDepth)
        {
            throw Fail(SafeTensorsErrorKind.HeaderTooDeep, null, $"the header nests deeper than {MaxDepth} levels");
        }
    }

    private void ExpectEnd(ref Utf8JsonReader reader)
    {
        // isFinalBlock is true: Read() returns false at the end and throws on anything but whitespace.
        if (reader.Read())
        {
            throw Fail(SafeTensorsErrorKind.HeaderNotJson, null, "the header has content after the JSON value");
        }
    }

    private static string Describe(JsonTokenType token)
    {
        switch (token)
        {
            case JsonTokenType.StartArray:
                return "array";
            case JsonTokenType.StartObject:
                return "object";
            case JsonTokenType.String:
                return "string";
            case JsonTokenType.Number:
                return "number";
            case JsonTokenType.True:
            case JsonTokenType.False:
                return "boolean";
            case JsonTokenType.Null:
                return "null";
            default:
                return token.ToString();
        }
    }

    private SafeTensorsException Fail(SafeTensorsErrorKind kind, string? tensor, string detail) => new SafeTensorsException(kind, path, tensor, detail);
}
