using System;

namespace LoraLego.Diagnostics;

/// <summary>What kind of failure an engine error is; the cmdlets map it onto PowerShell's ErrorCategory.</summary>
public enum LoraErrorCategory
{
    InvalidData,
    InvalidArgument,
    ObjectNotFound,
    NotImplemented,
    ResourceExists,
    ReadError,
    WriteError,
    InvalidOperation,
    OperationStopped,
}

/// <summary>
/// Every failure a user can cause in the engine. ErrorId is stable (scripts and docs key on it);
/// Target is the file, folder or module the failure is about; the message names it too.
/// </summary>
public class LoraLegoException : Exception
{
    public LoraLegoException(string errorId, LoraErrorCategory category, string? target, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Category = category;
        Target = target;
    }

    public string ErrorId { get; }

    public LoraErrorCategory Category { get; }

    public string? Target { get; }
}
