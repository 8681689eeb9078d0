using System;
using LoraLego.Diagnostics;

namespace LoraLego.SafeTensors;

/// <summary>
/// A safetensors file broke a rule, or could not be read or written. Target and <see cref="Path"/>
/// are the file; <see cref="TensorName"/> is the tensor the failure is about, when there is one.
/// </summary>
public sealed class SafeTensorsException : LoraLegoException
{
    public SafeTensorsException(SafeTensorsErrorKind kind, string path, string? tensorName, string detail, Exception? inner = null)
        : base("SafeTensors" + kind, CategoryOf(kind), path, FormatMessage(path, tensorName, detail), inner)
    {
        Kind = kind;
        Path = path;
        TensorName = tensorName;
    }

    public SafeTensorsErrorKind Kind { get; }

    public string Path { get; }

    public string? TensorName { get; }

    private static string FormatMessage(string path, string? tensorName, string detail) =>
        tensorName is null
            ? $"safetensors file '{path}': {detail}"
            : $"safetensors file '{path}', tensor '{tensorName}': {detail}";

    internal static LoraErrorCategory CategoryOf(SafeTensorsErrorKind kind)
    {
        switch (kind)
        {
            case SafeTensorsErrorKind.FileNotFound:
            case SafeTensorsErrorKind.TensorNotFound:
                return LoraErrorCategory.ObjectNotFound;
            case SafeTensorsErrorKind.ReadFailed:
            case SafeTensorsErrorKind.FileChanged:
                return LoraErrorCategory.ReadError;
            case SafeTensorsErrorKind.OutputExists:
                return LoraErrorCategory.ResourceExists;
            case SafeTensorsErrorKind.WriteFailed:
                return LoraErrorCategory.WriteError;
            case SafeTensorsErrorKind.UnsupportedDType:
            case SafeTensorsErrorKind.TensorTooLarge:
            case SafeTensorsErrorKind.TensorOrder:
            case SafeTensorsErrorKind.IncompleteWrite:
                return LoraErrorCategory.InvalidOperation;
            case SafeTensorsErrorKind.InvalidTensorSpec:
            case SafeTensorsErrorKind.DataLengthMismatch:
                return LoraErrorCategory.InvalidArgument;
            default:
                // Everything else is a rule of the file format: the bytes on disk are wrong.
                return LoraErrorCategory.InvalidData;
        }
    }
}
