<#
.SYNOPSIS
    The LEGO pipeline on 8 Llama-2-7B-shaped adapters (r=16, BF16, q/k/v/o/gate/up/down in 32 layers):
    wall time per stage and the peak memory of the whole run, against the time to read the inputs once.
.DESCRIPTION
    Generates the synthetic set with bench/ReadThroughput (deterministic, ~640 MB, under bench/results/),
    builds the module, then runs each stage in one fresh pwsh under /usr/bin/time -v:
        Get-LoraAdapter | Split-LoraMsu | Invoke-LoraCluster -K 16 | Merge-LoraAdapter
    Stages run one after the other (each collected into a variable) so their times can be told apart;
    Invoke-LoraCluster is where the factors are read and clustered, Merge-LoraAdapter writes.
    -Cold drops the page cache (root only: echo 3 > /proc/sys/vm/drop_caches) before the read-once
    measurement and before every pipeline run, so both read from disk.
    -WarmSession runs the pipeline twice in each pwsh and reports the second pass: a user's session
    that has run it before (JIT done), rather than a fresh process.
    Run: dotnet pwsh -NoProfile -File bench/Pipeline/Run-PipelineBench.ps1 [-Repeats 3] [-Cold] [-WarmSession]
#>
param(
    [string] $DataPath = (Join-Path $PSScriptRoot '../results/llama2-7b-x8'),
    [int] $K = 16,
    [int] $Repeats = 3,
    [switch] $Cold,
    [switch] $WarmSession
)
$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$module = Join-Path $root 'out/LoraLego/LoraLego.psd1'
if (-not (Test-Path $module)) { & dotnet pwsh -NoProfile -File (Join-Path $root 'build.ps1') -Task Build | Out-Host }

& dotnet build (Join-Path $root 'bench/ReadThroughput') -c Release --nologo -v q | Out-Null
$readBench = Join-Path $root 'bench/ReadThroughput/bin/Release/net10.0/ReadThroughput.dll'
if (-not (Test-Path (Join-Path $DataPath 'adapter_7'))) { & dotnet $readBench gen $DataPath | Out-Host }
$inputBytes = (Get-ChildItem $DataPath -Recurse -File | Measure-Object Length -Sum).Sum
Write-Host ("Inputs: {0:N0} bytes in {1} adapters" -f $inputBytes, (Get-ChildItem $DataPath -Directory).Count)

function Clear-PageCache {
    if ($Cold) { & sh -c 'sync; echo 3 > /proc/sys/vm/drop_caches' }
}

Write-Host "`n== Reading the inputs once into float32 (bench/ReadThroughput)"
Clear-PageCache
& dotnet $readBench read $DataPath 3 | Out-Host

$stageScript = @'
param($Module, $Data, $K, $Out, $Passes)
Import-Module $Module
foreach ($pass in 1..$Passes) {
    $a = $u = $c = $null
    $t = [Diagnostics.Stopwatch]::StartNew()
    $a = Get-LoraAdapter (Join-Path $Data 'adapter_*'); $load = $t.Elapsed.TotalSeconds; $t.Restart()
    $u = $a | Split-LoraMsu; $split = $t.Elapsed.TotalSeconds; $t.Restart()
    $c = $u | Invoke-LoraCluster -K $K -Seed 1; $cluster = $t.Elapsed.TotalSeconds; $t.Restart()
    $c | Merge-LoraAdapter -Path $Out -Force; $merge = $t.Elapsed.TotalSeconds
    "RESULT {0} {1} {2} {3} {4} {5}" -f $load, $split, $cluster, $merge, $u.Count, $c.Count
}
'@
$scriptFile = Join-Path ([IO.Path]::GetTempPath()) 'loralego-pipeline-bench.ps1'
Set-Content -Path $scriptFile -Value $stageScript
$pwsh = [Environment]::ProcessPath
[string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }
$out = Join-Path $DataPath '../merged-k16'

$rows = foreach ($i in 1..$Repeats) {
    Clear-PageCache
    $log = & /usr/bin/time -v $pwsh @prefix -NoProfile -NonInteractive -File $scriptFile -Module $module -Data $DataPath -K $K -Out $out -Passes $(if ($WarmSession) { 2 } else { 1 }) 2>&1
    $result = ($log | Where-Object { "$_" -like 'RESULT *' } | Select-Object -Last 1) -split ' '
    $rss = [double](($log | Where-Object { "$_" -match 'Maximum resident set size' }) -replace '\D', '') / 1024
    $wall = ($log | Where-Object { "$_" -match 'Elapsed \(wall clock\)' }) -replace '.*: ', ''
    $field = { param($name) [double](($log | Where-Object { "$_" -match $name }) -replace '.*: ', '') }
    [pscustomobject]@{
        Run = $i; LoadS = [double]$result[1]; SplitS = [double]$result[2]; ClusterS = [double]$result[3]; MergeS = [double]$result[4]
        Units = [int]$result[5]; Centroids = [int]$result[6]; PeakRssMiB = [math]::Round($rss); ProcessWall = $wall
        UserS = & $field 'User time'; SysS = & $field 'System time'; MinorFaults = & $field 'Minor \(reclaiming'
    }
}
$rows | Format-Table -AutoSize | Out-Host
$median = { param($xs) $s = @($xs | Sort-Object); $s[[int][math]::Floor(($s.Count - 1) / 2)] }
$stages = @($rows | ForEach-Object { $_.LoadS + $_.SplitS + $_.ClusterS + $_.MergeS })
Write-Host ("Median seconds: load {0:N2}, split {1:N2}, cluster {2:N2}, merge {3:N2}, the four stages {4:N2}; peak RSS median {5} MiB; inputs {6:N0} MiB" -f `
    (& $median $rows.LoadS), (& $median $rows.SplitS), (& $median $rows.ClusterS), (& $median $rows.MergeS), (& $median $stages), (& $median $rows.PeakRssMiB), ($inputBytes / 1MB))
Write-Host ("Median CPU of the whole process: user {0:N2} s, system {1:N2} s; {2:N0} minor page faults" -f (& $median $rows.UserS), (& $median $rows.SysS), (& $median $rows.MinorFaults))
$mergedBytes = (Get-ChildItem $out -Recurse -File | Measure-Object Length -Sum).Sum
Write-Host ("Merged adapter: {0:N0} bytes" -f $mergedBytes)
