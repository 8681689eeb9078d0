using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace LoraLego.Tests.Formats;

/// <summary>One tensor to put in a hand-made safetensors file.</summary>
internal sealed record TestTensor(string Name, string DType, long[] Shape, float[] Data)
{
    public static TestTensor F32(string name, long[] shape, float[] data) => new(name, "F32", shape, data);
}

/// <summary>
/// Writes safetensors files byte by byte, independently of the engine's writer, so reader tests do
/// not depend on the code they check. F32, F16 and BF16 data.
/// </summary>
internal static class TestFiles
{
    public static void WriteSafeTensors(string path, IEnumerable<TestTensor> tensors, IDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>();
        if (metadata is not null) header["__metadata__"] = metadata;
        long offset = 0;
        var data = new MemoryStream();
        foreach (var t in list)
        {
            var bytes = Encode(t);
            header[t.Name] = new { dtype = t.DType, shape = t.Shape, data_offsets = new[] { offset, offset + bytes.Length } };
            data.Write(bytes, 0, bytes.Length);
            offset += bytes.Length;
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        using var file = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        file.Write(len);
        file.Write(json);
        for (int i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
        data.Position = 0;
        data.CopyTo(file);
    }

    /// <summary>A PEFT folder: adapter_config.json (given text) + adapter_model.safetensors.</summary>
    public static string WritePeft(string folder, string configJson, IEnumerable<TestTensor> tensors)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), configJson);
        WriteSafeTensors(Path.Combine(folder, "adapter_model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        return folder;
    }

    public static string PeftConfig(int r, double alpha, string extra = "") =>
        "{\"peft_type\": \"LORA\", \"r\": " + r + ", \"lora_alpha\": " + alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)
        + ", \"target_modules\": [\"q_proj\", \"v_proj\"], \"base_model_name_or_path\": \"tiny/base\", \"task_type\": \"CAUSAL_LM\""
        + (extra.Length > 0 ? ", " + extra : string.Empty) + "}";

    /// <summary>Deterministic values in [-1, 1) (xorshift; no dependence on System.Random's algorithm).</summary>
    public static float[] Values(int count, ulong seed)
    {
        var v = new float[count];
        ulong s = seed * 0x9E3779B97F4A7C15UL + 1;
        for (int i = 0; i < count; i++)
        {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            v[i] = (float)(((s >> 40) / (double)(1UL << 24)) * 2 - 1);
        }

        return v;
    }

    /// <summary>A and B of a linear PEFT module ("base_model.model." + module).</summary>
    public static IEnumerable<TestTensor> PeftLinear(string module, int r, int inF, int outF, ulong seed)
    {
        yield return TestTensor.F32($"base_model.model.{module}.lora_A.weight", new long[] { r, inF }, Values(r * inF, seed));
        yield return TestTensor.F32($"base_model.model.{module}.lora_B.weight", new long[] { outF, r }, Values(outF * r, seed + 1000));
    }

    private static byte[] Encode(TestTensor t)
    {
        switch (t.DType)
        {
            case "F32":
                var f = new byte[t.Data.Length * 4];
                for (int i = 0; i < t.Data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(f.AsSpan(i * 4), t.Data[i]);
                return f;
            case "F16":
                var h = new byte[t.Data.Length * 2];
                for (int i = 0; i < t.Data.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(h.AsSpan(i * 2), (Half)t.Data[i]);
                return h;
            case "BF16":
                var b = new byte[t.Data.Length * 2];
                for (int i = 0; i < t.Data.Length; i++)
                {
                    // Tests use values exactly representable in bf16, so truncation is exact.
                    uint bits = BitConverter.SingleToUInt32Bits(t.Data[i]);
                    BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(i * 2), (ushort)(bits >> 16));
                }

                return b;
            case "I64":
                var l = new byte[t.Data.Length * 8];
                for (int i = 0; i < t.Data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(l.AsSpan(i * 8), (long)t.Data[i]);
                return l;
            default:
                throw new ArgumentException($"TestFiles cannot encode {t.DType}");
        }
    }
}
