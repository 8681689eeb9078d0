using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace LoraLego.PowerShell;

/// <summary>
/// Serves the module's own dependencies (the engine, MathNet.Numerics, ...) from Dependencies/.
/// The resolver answers only for assemblies that exist there, so it never hijacks another
/// module's loads, and it is unhooked when the module is removed.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyFolder = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "Dependencies");

    public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;

    public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;

    private static Assembly? ResolveDependency(object? sender, ResolveEventArgs args)
    {
        var name = new AssemblyName(args.Name).Name;
        if (name is null) return null;
        var candidate = Path.Combine(DependencyFolder, name + ".dll");
        return File.Exists(candidate) ? Assembly.LoadFrom(candidate) : null;
    }
}
