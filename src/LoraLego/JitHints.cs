using System.Runtime.CompilerServices;

namespace LoraLego;

/// <summary>Attributes for the numeric kernels.</summary>
internal static class JitHints
{
    /// <summary>
    /// AggressiveOptimization (512; not named in netstandard2.0): compile optimised code at once. A kernel
    /// that runs a few long loops per module would otherwise spend its first calls in unoptimised tier-0
    /// code, where Vector&lt;T&gt; operations are calls and run many times slower.
    /// </summary>
    public const MethodImplOptions Hot = (MethodImplOptions)512;
}
