<#
    Get-LoraAdapter's first call in a fresh process, and warm calls, for two builds of the module
    (docs/benchmarks.md, "Get-LoraAdapter with module identities"). Each sample is its own pwsh:
    import, time the first call (JIT included), then five more (their median is "warm"), as wall
    time and as the process's CPU time, plus the JIT's own count and time for the first call
    (System.Runtime.JitInfo). Builds alternate (A, B, B, A) so load drifts hit both alike.

    pwsh bench/FirstCall/Measure-FirstCall.ps1 -Before /tmp/before/out/LoraLego -After out/LoraLego -Adapters <dir> -Rounds 8
    (<dir>: the 8 Llama-shaped adapters of `dotnet run -c Release --project bench/ReadThroughput -- gen <dir>`)
#>
param(
    [Parameter(Mandatory)] [string] $Before,
    [Parameter(Mandatory)] [string] $After,
    [Parameter(Mandatory)] [string] $Adapters,
    [int] $Rounds = 8,
    # Internal: one sample in this process.
    [string] $Sample
)

if ($Sample) {
    Import-Module (Join-Path $Sample 'LoraLego.psd1')
    $p = [Diagnostics.Process]::GetCurrentProcess()
    $jitMs = [System.Runtime.JitInfo]::GetCompilationTime($true).TotalMilliseconds
    $jitCount = [System.Runtime.JitInfo]::GetCompiledMethodCount($true)
    $cpu = $p.TotalProcessorTime; $sw = [Diagnostics.Stopwatch]::StartNew()
    $null = Get-LoraAdapter (Join-Path $Adapters '*')
    $sw.Stop(); $p.Refresh()
    $first = $sw.Elapsed.TotalMilliseconds; $firstCpu = ($p.TotalProcessorTime - $cpu).TotalMilliseconds
    $jitMs = [System.Runtime.JitInfo]::GetCompilationTime($true).TotalMilliseconds - $jitMs
    $jitCount = [System.Runtime.JitInfo]::GetCompiledMethodCount($true) - $jitCount
    $wall = @(); $wallCpu = @()
    for ($i = 0; $i -lt 5; $i++) {
        $p.Refresh(); $cpu = $p.TotalProcessorTime; $sw.Restart()
        $null = Get-LoraAdapter (Join-Path $Adapters '*')
        $sw.Stop(); $p.Refresh()
        $wall += $sw.Elapsed.TotalMilliseconds; $wallCpu += ($p.TotalProcessorTime - $cpu).TotalMilliseconds
    }
    [pscustomobject]@{ First = $first; FirstCpu = $firstCpu; Warm = ($wall | Sort-Object)[2]; WarmCpu = ($wallCpu | Sort-Object)[2]; JitMs = $jitMs; JitMethods = $jitCount } | ConvertTo-Json -Compress
    return
}

# The running pwsh again: a native pwsh, or (as a .NET tool) dotnet with pwsh.dll.
$host_ = [Environment]::ProcessPath
[string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($host_) -eq 'dotnet') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }
$builds = [ordered]@{ before = (Resolve-Path $Before).Path; after = (Resolve-Path $After).Path }
$samples = @{ before = @(); after = @() }
for ($r = 0; $r -lt $Rounds; $r++) {
    foreach ($name in 'before', 'after', 'after', 'before') {
        $json = & $host_ @prefix -NoProfile -File $PSCommandPath -Before $Before -After $After -Adapters $Adapters -Sample $builds[$name]
        $samples[$name] += ($json | Select-Object -Last 1 | ConvertFrom-Json)
    }
}

function Median([double[]] $x) { ($x | Sort-Object)[[int][math]::Floor($x.Count / 2)] }
foreach ($name in 'before', 'after') {
    $s = $samples[$name]
    [pscustomobject]@{
        Build = $name; Processes = $s.Count
        FirstMs = [math]::Round((Median $s.First), 1); FirstCpuMs = [math]::Round((Median $s.FirstCpu), 1)
        WarmMs = [math]::Round((Median $s.Warm), 1); WarmCpuMs = [math]::Round((Median $s.WarmCpu), 1)
        FirstCallJitMs = [math]::Round((Median $s.JitMs), 1); FirstCallJitMethods = Median $s.JitMethods
    }
}
