using System;
using LoraLego.Diagnostics;

namespace LoraLego.Adapters;

/// <summary>A failure reading or writing an adapter; ErrorId is one of <see cref="AdapterErrorIds"/>.</summary>
public sealed class AdapterException : LoraLegoException
{
    public AdapterException(string errorId, LoraErrorCategory category, string? target, string message, string? module = null, Exception? inner = null)
        : base(errorId, category, target, message, inner)
    {
        Module = module;
    }

    /// <summary>The module the failure is about, when it is about one.</summary>
    public string? Module { get; }
}
