using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace LoraLego.PowerShell;

/// <summary>
/// Serves the module's own dependencies (the engine, MathNet.Numerics, ...) from Dependencies/.
/// The resolver answers only for assemblies that exist there, so it never hijacks another
/// module's loads, and it is unhooked when the module is removed.
/// </summary>
/// <remarks>
/// On PowerShell 7 (.NET) the dependencies go into a private AssemblyLoadContext. The default
/// context holds one assembly per simple name: if another module already loaded, say,
/// MathNet.Numerics 4.15 there, loading our 5.0 beside it fails ("manifest definition does not
/// match"). A private context may hold its own copy. The type is reached by reflection because
/// this assembly targets netstandard2.0, where AssemblyLoadContext is not referenceable.
/// On Windows PowerShell 5.1 (.NET Framework) there is no such context; LoadFrom is used.
/// </remarks>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly string DependencyFolder = Path.Combine(
        Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "Dependencies");

    // Created once per process: a re-import after Remove-Module must find the engine types it
    // already bound to, and a non-collectible context cannot be unloaded anyway.
    private static readonly Lazy<PrivateLoadContext?> LoadContext = new(PrivateLoadContext.TryCreate);

    public void OnImport() => AppDomain.CurrentDomain.AssemblyResolve += ResolveDependency;

    public void OnRemove(PSModuleInfo psModuleInfo) => AppDomain.CurrentDomain.AssemblyResolve -= ResolveDependency;

    private static Assembly? ResolveDependency(object? sender, ResolveEventArgs args)
    {
        var path = DependencyPath(new AssemblyName(args.Name));
        if (path is null) return null;
        return LoadContext.Value is { } context ? context.Load(path) : Assembly.LoadFrom(path);
    }

    /// <summary>The file in Dependencies/ that serves <paramref name="name"/>, or null when we do not ship it.</summary>
    private static string? DependencyPath(AssemblyName name)
    {
        if (string.IsNullOrEmpty(name.Name)) return null;
        var candidate = Path.Combine(DependencyFolder, name.Name + ".dll");
        return File.Exists(candidate) ? candidate : null;
    }

    /// <summary>A System.Runtime.Loader.AssemblyLoadContext named "LoraLego", driven by reflection.</summary>
    private sealed class PrivateLoadContext
    {
        private readonly object _context;
        private readonly MethodInfo _loadFromPath;
        // Both the default context (for the cmdlet assembly's references) and this context's
        // Resolving event may ask for the same file; a context must not load one name twice.
        private readonly Dictionary<string, Assembly> _loaded = new(StringComparer.OrdinalIgnoreCase);

        private PrivateLoadContext(object context, MethodInfo loadFromPath)
        {
            _context = context;
            _loadFromPath = loadFromPath;
        }

        /// <summary>Null on .NET Framework, where the type does not exist.</summary>
        public static PrivateLoadContext? TryCreate()
        {
            var type = typeof(object).Assembly.GetType("System.Runtime.Loader.AssemblyLoadContext");
            var constructor = type?.GetConstructor(new[] { typeof(string), typeof(bool) });
            var loadFromPath = type?.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) });
            var resolving = type?.GetEvent("Resolving");
            if (type is null || constructor is null || loadFromPath is null || resolving?.EventHandlerType is null) return null;

            var context = constructor.Invoke(new object[] { "LoraLego", false });
            var created = new PrivateLoadContext(context, loadFromPath);
            // Assemblies loaded into this context ask it for their own references first; it falls
            // back to the default context (framework assemblies) and then raises Resolving, which
            // we answer from Dependencies/. Func<AssemblyLoadContext, AssemblyName, Assembly?> binds
            // to a method taking object thanks to delegate parameter contravariance.
            var handler = Delegate.CreateDelegate(resolving.EventHandlerType, created,
                typeof(PrivateLoadContext).GetMethod(nameof(OnResolving), BindingFlags.Instance | BindingFlags.NonPublic)!);
            resolving.AddEventHandler(context, handler);
            return created;
        }

        public Assembly Load(string path)
        {
            lock (_loaded)
            {
                if (_loaded.TryGetValue(path, out var known)) return known;
                try
                {
                    var assembly = (Assembly)_loadFromPath.Invoke(_context, new object[] { path })!;
                    _loaded.Add(path, assembly);
                    return assembly;
                }
                catch (TargetInvocationException e) when (e.InnerException is not null)
                {
                    ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                    throw;
                }
            }
        }

        private Assembly? OnResolving(object context, AssemblyName name) =>
            DependencyPath(name) is { } path ? Load(path) : null;
    }
}
