using System;
using System.Management.Automation;

namespace LoraLego.PowerShell.Infrastructure;

/// <summary>
/// A cmdlet that works on some of an adapter's modules: -Module (name wildcards) and -Layer
/// (layer-index wildcards), declared once here and read through <see cref="SelectedModules"/>.
/// </summary>
public abstract class ModuleSelectingCmdletBase : LoraCmdletBase
{
    /// <summary>Module name patterns (wildcards); a module is kept when any pattern matches.</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ModuleNameCompleter))]
    public string[]? Module { get; set; }

    /// <summary>Layer patterns (wildcards) matched against the module's layer index.</summary>
    [Parameter]
    [SupportsWildcards]
    public string[]? Layer { get; set; }

    /// <summary>True when neither -Module nor -Layer narrows the selection.</summary>
    protected bool SelectsAll => Module is null && Layer is null;

    /// <summary>The -Module and -Layer selection as one predicate on module names.</summary>
    protected Func<string, bool> SelectedModules() => ModuleSelection.Create(Module, Layer);
}
