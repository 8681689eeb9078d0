using System;
using System.Management.Automation;
using LoraLego.Diagnostics;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>Turns engine failures into ErrorRecords with the engine's stable ErrorId.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(LoraLegoException exception, object? fallbackTarget = null) =>
        new(exception, exception.ErrorId, Map(exception.Category), exception.Target ?? fallbackTarget);

    public static ErrorRecord Create(string errorId, ErrorCategory category, object? target, string message, Exception? inner = null) =>
        new(new LoraLegoException(errorId, LoraErrorCategory.InvalidOperation, target?.ToString(), message, inner), errorId, category, target);

    public static ErrorCategory Map(LoraErrorCategory category) => category switch
    {
        LoraErrorCategory.InvalidData => ErrorCategory.InvalidData,
        LoraErrorCategory.InvalidArgument => ErrorCategory.InvalidArgument,
        LoraErrorCategory.ObjectNotFound => ErrorCategory.ObjectNotFound,
        LoraErrorCategory.NotImplemented => ErrorCategory.NotImplemented,
        LoraErrorCategory.ResourceExists => ErrorCategory.ResourceExists,
        LoraErrorCategory.ReadError => ErrorCategory.ReadError,
        LoraErrorCategory.WriteError => ErrorCategory.WriteError,
        LoraErrorCategory.OperationStopped => ErrorCategory.OperationStopped,
        _ => ErrorCategory.InvalidOperation,
    };
}
