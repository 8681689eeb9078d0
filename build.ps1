<#
.SYNOPSIS
    Builds, tests and demonstrates the LoraLego module.
.DESCRIPTION
    Build   : compiles the solution, lays the module out in out/LoraLego (tests use only that folder),
              stamps the manifest's ModuleVersion from Directory.Build.props <Version> and its
              CmdletsToExport from the compiled cmdlets (one source of truth for each) and builds help from docs/en-US (tools/help/Build-Help.ps1).
    Test    : Build and Package, then xunit (engine) and Pester (module) with one closing line "N passed, N failed, N skipped".
    Package : Build, then out/package/LoraLego.<version>.nupkg (Compress-PSResource), installable with
              Install-PSResource / Save-PSResource from any repository that serves that folder.
    Demo    : Build, then runs samples/demo.ps1 against the sample adapters shipped in samples/ and scores
              its merges on the sample tasks with bench/Quality's evaluator.
    Samples : regenerates samples/ (adapters/: three LoRAs trained by bench/Quality; tasks/: the frozen base
              network and each task's held-out test split, for the demo's evaluator); deterministic, byte-identical.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo', 'Samples')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'LoraLego'

function Invoke-Native {
    param([string] $Command, [string[]] $Arguments)
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$Command $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    return Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages'
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'LoraLego.sln'), '-c', $Configuration, '--nologo', '-v', 'q', '-clp:ErrorsOnly')
    $bin = Join-Path $root "src/LoraLego.PowerShell/bin/$Configuration/netstandard2.0"
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    $deps = New-Item -ItemType Directory -Path (Join-Path $moduleOut 'Dependencies') -Force
    # The cmdlet assembly sits beside the manifest; everything it depends on lives in Dependencies/
    # and is served by the module's own resolver (see ModuleInitializer.cs), so other modules'
    # versions of the same libraries do not clash with ours.
    # The engine sits beside the cmdlet assembly too: PowerShell reflects over the cmdlets (whose
    # parameters use engine types) before the module's initializer can hook the resolver.
    Copy-Item (Join-Path $bin 'LoraLego.PowerShell.dll'), (Join-Path $bin 'LoraLego.dll') $moduleOut
    # System.Management.Automation.dll is PowerShellStandard's reference assembly: the host supplies the real one.
    Get-ChildItem $bin -Filter *.dll | Where-Object Name -NotIn 'LoraLego.PowerShell.dll', 'LoraLego.dll', 'System.Management.Automation.dll' |
        Copy-Item -Destination $deps.FullName
    Copy-Item (Join-Path $root 'module/*') $moduleOut -Recurse
    Copy-Item (Join-Path $root 'LICENSE') $moduleOut
    Complete-Manifest (Join-Path $moduleOut 'LoraLego.psd1') (Get-ProjectVersion) @(Get-CompiledCmdletName (Join-Path $moduleOut 'LoraLego.PowerShell.dll') | Sort-Object)
    Write-Host "Module laid out in $moduleOut"

    # Help reads the compiled cmdlets, so it runs in a fresh pwsh that imports the module just laid out.
    Invoke-Native dotnet @('restore', (Join-Path $root 'tools/restore/Tools.csproj'), '--nologo', '-v', 'q')
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tools/help/Build-Help.ps1'),
        '-ModulePath', $moduleOut, '-DocsPath', (Join-Path $root 'docs/en-US'),
        '-MarkdigPath', (Join-Path (Get-NuGetPackagesFolder) 'markdig/1.6.0/lib/netstandard2.0/Markdig.dll'))
}

function Get-CompiledCmdletName([string] $Path) {
    # The [Cmdlet(verb, noun)] attributes of the public classes, read from metadata: nothing is
    # loaded into this process, so the file stays unlocked and no dependency needs resolving.
    $stream = [IO.File]::OpenRead($Path)
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
        foreach ($typeHandle in $md.TypeDefinitions) {
            $type = $md.GetTypeDefinition($typeHandle)
            if (($type.Attributes -band [Reflection.TypeAttributes]::VisibilityMask) -ne [Reflection.TypeAttributes]::Public) { continue }
            foreach ($attributeHandle in $type.GetCustomAttributes()) {
                $attribute = $md.GetCustomAttribute($attributeHandle)
                if ($attribute.Constructor.Kind -ne 'MemberReference') { continue }
                $constructor = $md.GetMemberReference([System.Reflection.Metadata.MemberReferenceHandle]$attribute.Constructor)
                if ($constructor.Parent.Kind -ne 'TypeReference') { continue }
                $owner = $md.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle]$constructor.Parent)
                if ($md.GetString($owner.Name) -ne 'CmdletAttribute') { continue }
                $blob = $md.GetBlobReader($attribute.Value)
                $null = $blob.ReadUInt16()
                "$($blob.ReadSerializedString())-$($blob.ReadSerializedString())"
            }
        }
    } finally { $stream.Dispose() }
}

function Get-ProjectVersion {
    ([xml](Get-Content -Raw (Join-Path $root 'Directory.Build.props'))).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
}

function Complete-Manifest([string] $Manifest, [string] $Version, [string[]] $Cmdlets) {
    # module/LoraLego.psd1 leaves two things to the build, so each has one source of truth:
    # ModuleVersion (Directory.Build.props, like the assemblies) and CmdletsToExport (the
    # cmdlets compiled into the module). The laid-out copy gets both as explicit literals.
    $text = Get-Content -Raw $Manifest
    $list = ($Cmdlets | ForEach-Object { "'$_'" }) -join ', '
    $stamped = $text -replace "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$Version'"
    $stamped = $stamped -replace "(?m)^(\s*CmdletsToExport\s*=\s*)@\([^)]*\)", "`${1}@($list)"
    if ($stamped -notmatch "(?m)^\s*ModuleVersion\s*=\s*'$([regex]::Escape($Version))'" -or $stamped -notmatch "(?m)^\s*CmdletsToExport\s*=\s*@\($([regex]::Escape($list))\)") {
        throw "Could not stamp ModuleVersion and CmdletsToExport into $Manifest."
    }
    Set-Content -Path $Manifest -Value $stamped -NoNewline
}

function Invoke-Package {
    $packageOut = Join-Path $out 'package'
    if (Test-Path $packageOut) { Remove-Item $packageOut -Recurse -Force }
    New-Item -ItemType Directory -Path $packageOut | Out-Null
    # A fresh pwsh: this process may hold an older PSResourceGet, and the nupkg must not pick up build state.
    $compress = "Import-Module Microsoft.PowerShell.PSResourceGet; Compress-PSResource -Path '$moduleOut' -DestinationPath '$packageOut'"
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-Command', $compress)
    $nupkg = Join-Path $packageOut "LoraLego.$(Get-ProjectVersion).nupkg"
    if (-not (Test-Path $nupkg)) { throw "Compress-PSResource did not produce $nupkg." }
    Write-Host "Package written to $nupkg"
}

function Invoke-Tests {
    Invoke-Build
    Invoke-Package
    $results = Join-Path $out 'testresults'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Path $results | Out-Null

    # xunit: the engine. Counts come from the trx file, not from console text.
    $trx = Join-Path $results 'xunit.trx'
    & dotnet test (Join-Path $root 'tests/LoraLego.Tests/LoraLego.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal'
    $xunitExit = $LASTEXITCODE
    $xunit = @{ Passed = 0; Failed = 0; Skipped = 0 }
    if (Test-Path $trx) {
        $c = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
        $xunit.Passed = [int]$c.passed
        $xunit.Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted
        # Skipped facts are results with outcome NotExecuted; the trx counters leave notExecuted at 0.
        $xunit.Skipped = [int]$c.total - [int]$c.executed
    }
    elseif ($xunitExit -ne 0) { $xunit.Failed = 1 }

    # Pester: the module as users see it, in a fresh process so the built DLLs load cleanly.
    $pesterPsd1 = Join-Path (Get-NuGetPackagesFolder) 'pester/5.7.1/tools/Pester.psd1'
    $pesterJson = Join-Path $results 'pester.json'
    $runner = Join-Path $root 'tests/pester/Run-Pester.ps1'
    & dotnet pwsh -NoProfile -NonInteractive -File $runner -PesterPath $pesterPsd1 -ModulePath $moduleOut -ResultPath $pesterJson
    $pester = @{ Passed = 0; Failed = 1; Skipped = 0 }
    if (Test-Path $pesterJson) { $pester = Get-Content -Raw $pesterJson | ConvertFrom-Json -AsHashtable }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped; Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Tests }
    'Package' {
        Invoke-Build
        Invoke-Package
    }
    'Demo' {
        Invoke-Build
        # Invoke-Build compiled the whole solution, the quality benchmark (the demo's evaluator) included.
        $evaluator = Join-Path $root "bench/Quality/bin/$Configuration/net10.0/LoraLego.Bench.Quality.dll"
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'samples/demo.ps1') -ModulePath $moduleOut -Evaluator $evaluator
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
    'Samples' {
        # Trained by the quality benchmark (bench/Quality, 'samples' mode): stale files must not survive a rename.
        foreach ($folder in 'adapters', 'tasks') {
            $path = Join-Path $root "samples/$folder"
            if (Test-Path $path) { Remove-Item $path -Recurse -Force }
        }
        Invoke-Native dotnet @('run', '--project', (Join-Path $root 'bench/Quality/LoraLego.Bench.Quality.csproj'), '-c', $Configuration, '--', 'samples', (Join-Path $root 'samples'))
    }
}
