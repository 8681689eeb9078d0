<#
.SYNOPSIS
    LoraLego demo on the sample adapters in samples/adapters (build.ps1 -Task Demo runs it).
.DESCRIPTION
    The samples are three rank-4 LoRAs trained by the quality benchmark (bench/Quality) on three
    synthetic tasks of one frozen MLP (32 -> 64 -> 64 -> 10). The demo loads, splits, clusters and
    merges them with the module's cmdlets, measures what each merge keeps of the sources' deltas,
    then scores each merged adapter on the three tasks' held-out test sets (samples/tasks) with the
    benchmark's evaluator.
.PARAMETER ModulePath
    Folder of the built module (out/LoraLego).
.PARAMETER Evaluator
    The built quality benchmark (LoraLego.Bench.Quality.dll); built in Release when absent.
#>
param(
    [Parameter(Mandatory)]
    [string] $ModulePath,

    [string] $Evaluator = (Join-Path $PSScriptRoot '../bench/Quality/bin/Release/net10.0/LoraLego.Bench.Quality.dll')
)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path -LiteralPath $ModulePath).Path 'LoraLego.psd1') -Force
$adapters = Join-Path $PSScriptRoot 'adapters'

Write-Host "`n== The sample adapters (PEFT, rank 4, trained on three tasks of one MLP: mlp.fc1 32->64, mlp.fc2 64->64, mlp.head 64->10)" -ForegroundColor Cyan
$samples = Get-LoraAdapter -Path (Join-Path $adapters '*')
$samples | Format-Table | Out-String -Width 120 | Write-Host

Write-Host "== Ranks, alphas and scales per adapter" -ForegroundColor Cyan
$samples | ForEach-Object {
    $scales = ($_.Modules.Scale | Sort-Object -Unique) -join ', '
    '{0,-6} rank {1}, alpha {2}, scale {3}, {4} modules over {5}' -f $_.Name, $_.Rank, $_.Alpha, $scales, $_.ModuleCount, ($_.TargetModules -join '/')
} | Write-Host

Write-Host "`n== Modules of $($samples[2].Name)" -ForegroundColor Cyan
$samples[2].Modules | Format-Table | Out-String -Width 120 | Write-Host

Write-Host "== How far each adapter moves each layer (Frobenius norm of scale * B * A)" -ForegroundColor Cyan
$samples | ForEach-Object {
    $a = $_
    $a.Modules | ForEach-Object { [pscustomobject]@{ Adapter = $a.Name; Module = $_.Name; DeltaNorm = [math]::Round($_.DeltaNorm, 4) } }
} | Format-Table | Out-String -Width 120 | Write-Host

Write-Host "== Take them apart: one unit (MSU) per rank of every module" -ForegroundColor Cyan
$units = $samples | Split-LoraMsu
Write-Host ("{0} units from {1} adapters; the strongest five:" -f $units.Count, $samples.Count)
$units | Sort-Object Norm -Descending | Select-Object -First 5 | Format-Table | Out-String -Width 120 | Write-Host

# Outputs go under out/demo (recreated on every run), never into samples/.
$outRoot = Join-Path $PSScriptRoot '../out/demo'
if (Test-Path $outRoot) { Remove-Item $outRoot -Recurse -Force }
New-Item -ItemType Directory -Path $outRoot | Out-Null
$k = 4   # = each source's rank: the merge is as small as one of its inputs

Write-Host "== LoRA-LEGO: cluster each module's pooled units into k = $k centroids and merge" -ForegroundColor Cyan
$centroids = $units | Invoke-LoraCluster -K $k -Seed 1
$centroids | Where-Object Module -EQ 'mlp.fc2' | Format-Table | Out-String -Width 120 | Write-Host
$lego = $centroids | Merge-LoraAdapter -Path (Join-Path $outRoot 'lego') -PassThru

Write-Host "== The same adapters merged by other methods" -ForegroundColor Cyan
$merged = [ordered]@{ "Lego k=$k" = $lego }
$merged['Default (TsvM, MeanNorm)'] = $units | Merge-LoraAdapter -Path (Join-Path $outRoot 'default') -PassThru
$merged['Concat (exact sum)'] = $units | Merge-LoraAdapter -Path (Join-Path $outRoot 'concat') -Method Concat -PassThru
foreach ($method in 'Svd', 'Ties', 'Knots') {
    $merged["$method k=$k"] = $units | Merge-LoraAdapter -Path (Join-Path $outRoot $method.ToLowerInvariant()) -Method $method -Rank $k -Seed 1 -PassThru
}
$merged.Values | Format-Table | Out-String -Width 120 | Write-Host

Write-Host "== How much of the sources each merge keeps (Measure-LoraMerge -Summary)" -ForegroundColor Cyan
$rows = foreach ($name in $merged.Keys) {
    $s = Measure-LoraMerge -Merged $merged[$name] -Source $samples -Summary
    $row = [ordered]@{ Merge = $name; Rank = $merged[$name].Rank; RelativeError = [math]::Round($s.RelativeError, 4); EnergyCaptured = [math]::Round($s.EnergyCaptured, 4) }
    foreach ($src in $s.Sources) { $row["Retention($($src.Source))"] = [math]::Round($src.Retention, 3) }
    [pscustomobject]$row
}
$rows | Format-Table -AutoSize | Out-String -Width 160 | Write-Host

Write-Host "== One HTML report of the samples and their merges (Export-LoraReport)" -ForegroundColor Cyan
# Charts of the sources and the merges: spectra per module, rank and norm by layer, similarity,
# retention per source, and cluster membership of the LoRA-LEGO centroids. Self-contained: open it offline.
$report = $centroids | Export-LoraReport -Path (Join-Path $outRoot 'report.html') -Merged @($merged.Values) -Source $samples -Title 'LoraLego demo: three sample LoRAs and their merges' -PassThru
Write-Host "Report written to $($report.FullName)"

Write-Host "`n== How well each merge still solves each task (held-out accuracy; Score = Merged / Own)" -ForegroundColor Cyan
if (-not (Test-Path $Evaluator)) {
    & dotnet build (Join-Path $PSScriptRoot '../bench/Quality/LoraLego.Bench.Quality.csproj') -c Release --nologo -v q -clp:ErrorsOnly
    if ($LASTEXITCODE -ne 0) { throw "Could not build the evaluator (bench/Quality)." }
}
# The evaluator reads every merged folder back through the engine's AdapterLoader.
$folders = foreach ($m in $merged.Values) { $m.Path }
$evalArgs = @('--tasks', (Join-Path $PSScriptRoot 'tasks')) + @($folders | ForEach-Object { '--adapter'; $_ })
& dotnet $Evaluator eval @evalArgs | Write-Host
if ($LASTEXITCODE -ne 0) { throw "The evaluator failed (exit code $LASTEXITCODE)." }
Write-Host "Base: the frozen network alone; Own: the task's own LoRA; Merged: one adapter serving all three tasks."
Write-Host "Merged adapters written under $((Resolve-Path $outRoot).Path)"
Write-Host "Report of the samples and their merges: $($report.FullName)"
