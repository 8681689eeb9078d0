using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LoraLego.Fuzzing;

/// <summary>
/// Mutations of the header JSON with the header length kept honest, so they reach the format rules:
/// offsets that overlap, leave gaps or sit near 2^64; dtype and shape lies; huge numbers; bytes that
/// are not UTF-8; deep nesting; duplicate keys; metadata of the wrong type; renamed or missing tensors.
/// </summary>
internal static class HeaderMutations
{
    private const string Metadata = "__metadata__";

    // Numbers as raw JSON text: integers past long and ulong, exponents, fractions, negatives.
    private static readonly string[] HugeNumbers =
    {
        "18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808", "4294967296",
        "2147483648", "1e400", "-1e400", "1e20", "-1", "-9223372036854775808", "1.5", "0.0", "-0", "4611686018427387904",
        "99999999999999999999999999999999999999",
    };

    private static readonly string[] DTypes =
    {
        "F16", "BF16", "F32", "F64", "I8", "U8", "I16", "I32", "I64", "U64", "BOOL", "F4", "F6_E2M3", "F8_E4M3", "F8_E8M0", "C64", "Q8_0", "f32", "",
    };

    public static readonly (string, int, Func<FuzzSeed, FuzzRandom, Mutation?>)[] All =
    {
        ("Offsets", 8, Offsets),
        ("DTypeLie", 6, DTypeLie),
        ("ShapeLie", 8, ShapeLie),
        ("HugeNumber", 6, HugeNumber),
        ("NonUtf8Header", 4, NonUtf8),
        ("DeepNesting", 3, DeepNesting),
        ("DuplicateKey", 5, DuplicateKey),
        ("MetadataType", 3, MetadataType),
        ("RenameTensor", 6, RenameTensor),
        ("RemoveTensor", 3, RemoveTensor),
        ("HeaderShape", 3, HeaderShape),
    };

    private static Mutation? Offsets(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, names) = Open(seed);
        var name = rng.Pick(names);
        var entry = header[name]!.AsObject();
        var offsets = entry["data_offsets"]!.AsArray();
        long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
        string detail;
        switch (rng.Next(6))
        {
            case 0:
                long shift = rng.Next(17) - 8;
                entry["data_offsets"] = new JsonArray(begin + shift, end + shift);
                detail = $"shifted by {shift} (overlap or gap)";
                break;
            case 1:
                entry["data_offsets"] = new JsonArray(end, begin);
                detail = "end before begin";
                break;
            case 2:
                var other = rng.Pick(names);
                var otherOffsets = header[other]!["data_offsets"]!.DeepClone();
                header[other]!.AsObject()["data_offsets"] = offsets.DeepClone();
                entry["data_offsets"] = otherOffsets;
                detail = $"swapped with {other}";
                break;
            case 3:
                var huge = rng.Pick(HugeNumbers);
                return Text(parts, Raw(header).Replace(Quote(name) + ":" + entry.ToJsonString(),
                    Quote(name) + ":" + entry.ToJsonString().Replace($"[{begin},{end}]", rng.Chance(0.5) ? $"[{huge},{huge}]" : $"[{begin},{huge}]")), seed, $"{name} offsets near 2^64: {huge}");
            case 4:
                entry["data_offsets"] = rng.Chance(0.5) ? new JsonArray(begin) : new JsonArray(begin, end, end);
                detail = "wrong number of offsets";
                break;
            default:
                entry["data_offsets"] = new JsonArray(begin, end + rng.Next(9) - 4);
                detail = "end moved (size mismatch)";
                break;
        }

        return Json(parts, header, seed, $"{name}: {detail}");
    }

    private static Mutation? DTypeLie(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, names) = Open(seed);
        var name = rng.Pick(names);
        var dtype = rng.Pick(DTypes);
        var entry = header[name]!.AsObject();
        if (rng.Chance(0.15)) entry["dtype"] = 32;
        else entry["dtype"] = dtype;
        return Json(parts, header, seed, $"{name} dtype -> {entry["dtype"]!.ToJsonString()}");
    }

    private static Mutation? ShapeLie(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, names) = Open(seed);
        var name = rng.Pick(names);
        var entry = header[name]!.AsObject();
        var shape = entry["shape"]!.AsArray().Select(n => n!.GetValue<long>()).ToList();
        string detail;
        switch (rng.Next(8))
        {
            case 0 when shape.Count >= 2:
                // Same element count, so the layout stays valid: only the meaning lies (rank and width swap).
                (shape[0], shape[shape.Count - 1]) = (shape[shape.Count - 1], shape[0]);
                detail = "dims swapped (same size)";
                break;
            case 1 when shape.Count >= 1:
                shape[rng.Next(shape.Count)] *= 2;
                detail = "one dim doubled";
                break;
            case 2 when shape.Count >= 1:
                shape[rng.Next(shape.Count)] = 0;
                detail = "one dim zero";
                break;
            case 3:
                shape.Add(1);
                detail = "trailing 1 added (same size)";
                break;
            case 4 when shape.Count >= 1:
                shape.RemoveAt(shape.Count - 1);
                detail = "last dim removed";
                break;
            case 5:
                shape.Clear();
                detail = "rank-0 shape";
                break;
            case 6:
                return Text(parts, Raw(header).Replace(Quote(name) + ":" + entry.ToJsonString(),
                    Quote(name) + ":" + entry.ToJsonString().Replace("\"shape\":[", "\"shape\":[" + rng.Pick(HugeNumbers) + ",")), seed, $"{name} shape gets a huge first dim");
            default:
                shape = new List<long> { 1L << 32, 1L << 32, rng.Next(4) };
                detail = "product past 2^64";
                break;
        }

        entry["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray());
        return Json(parts, header, seed, $"{name}: {detail}");
    }

    private static Mutation? HugeNumber(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, _) = Open(seed);
        var text = Raw(header);
        var numbers = Regex.Matches(text, @"(?<=[\[,])\d+(?=[\],])");
        if (numbers.Count == 0) return null;
        var m = numbers[rng.Next(numbers.Count)];
        var huge = rng.Pick(HugeNumbers);
        return Text(parts, text.Substring(0, m.Index) + huge + text.Substring(m.Index + m.Length), seed, $"number {m.Value} at {m.Index} -> {huge}");
    }

    private static Mutation? NonUtf8(FuzzSeed seed, FuzzRandom rng)
    {
        var parts = SafeTensorBytes.Split(seed.Files[seed.TensorFile]);
        var quotes = Enumerable.Range(0, parts.Header.Length).Where(i => parts.Header[i] == (byte)'"').ToList();
        byte[][] bad = { new byte[] { 0xFF }, new byte[] { 0xC0, 0x80 }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xE2, 0x82 }, new byte[] { 0xF8, 0x88, 0x80, 0x80, 0x80 } };
        var insert = rng.Pick(bad);
        int at = quotes[rng.Next(quotes.Count)] + 1;
        var header = parts.Header.Take(at).Concat(insert).Concat(parts.Header.Skip(at)).ToArray();
        if (rng.Chance(0.3))
        {
            // An escaped lone surrogate is valid JSON grammar but no valid string.
            header = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(parts.Header).Insert(at, "\\ud800"));
            return new Mutation(seed.FilesWith(seed.TensorFile, SafeTensorBytes.Join(header, parts.Data)), $"escaped lone surrogate at {at}");
        }

        return new Mutation(seed.FilesWith(seed.TensorFile, SafeTensorBytes.Join(header, parts.Data)), $"bytes {Convert.ToHexString(insert)} inserted at {at}");
    }

    private static Mutation? DeepNesting(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, names) = Open(seed);
        int depth = rng.Pick(new[] { 8, 30, 31, 32, 33, 64, 1000, 100_000 });
        bool objects = rng.Chance(0.5);
        var nested = objects
            ? string.Concat(Enumerable.Repeat("{\"x\":", depth)) + "1" + new string('}', depth)
            : new string('[', depth) + new string(']', depth);
        var text = Raw(header);
        string where;
        if (rng.Chance(0.5))
        {
            var name = rng.Pick(names);
            text = text.Replace(Quote(name) + ":{", Quote(name) + ":{\"extra\":" + nested + ",");
            where = $"inside {name}";
        }
        else
        {
            text = "{\"zz_unknown\":" + nested + "," + text.Substring(1);
            where = "as a root entry";
        }

        return Text(parts, text, seed, $"{(objects ? "objects" : "arrays")} nested {depth} deep {where}");
    }

    private static Mutation? DuplicateKey(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, names) = Open(seed);
        var name = rng.Pick(names);
        var entry = header[name]!.ToJsonString();
        var text = Raw(header);
        string detail;
        switch (rng.Next(4))
        {
            case 0:
                text = text.Substring(0, text.Length - 1) + "," + Quote(name) + ":" + entry + "}";
                detail = $"tensor {name} twice";
                break;
            case 1:
                text = text.Replace(Quote(name) + ":{", Quote(name) + ":{\"dtype\":\"F32\",");
                detail = $"{name} has dtype twice";
                break;
            case 2:
                text = "{\"__metadata__\":{\"format\":\"pt\"}," + text.Substring(1);
                detail = "__metadata__ twice (or once when the seed has none)";
                break;
            default:
                text = text.Replace("\"__metadata__\":{", "\"__metadata__\":{\"format\":\"pt\",");
                detail = "metadata key twice";
                break;
        }

        return Text(parts, text, seed, detail);
    }

    private static Mutation? MetadataType(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, _) = Open(seed);
        JsonNode? value = rng.Next(5) switch
        {
            0 => new JsonObject { ["format"] = 1 },
            1 => new JsonArray("pt"),
            2 => JsonValue.Create("pt"),
            3 => null,
            _ => new JsonObject { ["format"] = new JsonObject { ["nested"] = "x" } },
        };
        header.Remove(Metadata);
        var text = "{\"__metadata__\":" + (value?.ToJsonString() ?? "null") + (header.Count > 0 ? "," + Raw(header).Substring(1) : "}");
        return Text(parts, text, seed, $"__metadata__ = {value?.ToJsonString() ?? "null"}");
    }

    private static Mutation? RenameTensor(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, names) = Open(seed);
        var name = rng.Pick(names);
        string[] suffixes =
        {
            ".lora_A.weight", ".lora_B.weight", ".lora_down.weight", ".lora_up.weight", ".lora_mid.weight", ".hada_w1_a", ".lokr_w1",
            ".lora_magnitude_vector", ".lora_embedding_A", ".lora_embedding_B", ".alpha", ".dora_scale", ".lora.down.weight", ".weight", "",
        };
        int cut = name.IndexOf(".lora", StringComparison.Ordinal);
        var stem = cut > 0 ? name.Substring(0, cut) : name;
        var renamed = rng.Next(4) switch
        {
            0 => stem + rng.Pick(suffixes),
            1 => rng.Pick(names.Where(n => n != name).DefaultIfEmpty(name + "x").ToArray()) + (rng.Chance(0.5) ? string.Empty : "_"),
            2 => name.Replace("base_model.model.", string.Empty, StringComparison.Ordinal),
            _ => string.Empty,
        };
        if (renamed == name) renamed += "?";
        var text = Raw(header).Replace(Quote(name) + ":", Quote(renamed) + ":");
        return Text(parts, text, seed, $"{name} renamed to '{renamed}'");
    }

    private static Mutation? RemoveTensor(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, names) = Open(seed);
        var name = rng.Pick(names);
        header.Remove(name);
        return Json(parts, header, seed, $"{name} removed from the header (its bytes stay)");
    }

    private static Mutation? HeaderShape(FuzzSeed seed, FuzzRandom rng)
    {
        var (parts, header, _) = Open(seed);
        var text = Raw(header);
        var (result, detail) = rng.Next(7) switch
        {
            0 => ("   \n\t" + text + "  \n ", "whitespace around the object"),
            1 => (text + "x", "garbage after the object"),
            2 => ("[]", "an array"),
            3 => ("null", "null"),
            4 => ("{}", "no tensors"),
            5 => (string.Empty, "empty"),
            _ => (text.Substring(0, text.Length - 1), "object not closed"),
        };
        bool dropData = result == "{}" && rng.Chance(0.5);
        var bytes = SafeTensorBytes.Join(Encoding.UTF8.GetBytes(result), dropData ? Array.Empty<byte>() : parts.Data);
        return new Mutation(seed.FilesWith(seed.TensorFile, bytes), "header is " + detail + (dropData ? " and no data" : string.Empty));
    }

    private static (SafeTensorBytes Parts, JsonObject Header, string[] Names) Open(FuzzSeed seed)
    {
        var parts = SafeTensorBytes.Split(seed.Files[seed.TensorFile]);
        var header = parts.HeaderJson();
        return (parts, header, header.Select(kv => kv.Key).Where(k => k != Metadata).ToArray());
    }

    private static string Raw(JsonObject header) => header.ToJsonString();

    private static string Quote(string name) => JsonValue.Create(name)!.ToJsonString();

    private static Mutation Json(SafeTensorBytes parts, JsonObject header, FuzzSeed seed, string detail) =>
        new(seed.FilesWith(seed.TensorFile, parts.With(header)), detail);

    private static Mutation Text(SafeTensorBytes parts, string header, FuzzSeed seed, string detail) =>
        new(seed.FilesWith(seed.TensorFile, parts.WithHeaderText(header)), detail);
}
