<#
.SYNOPSIS
    LoraLego demo on the sample adapters in samples/adapters (build.ps1 -Task Demo runs it).
.PARAMETER ModulePath
    Folder of the built module (out/LoraLego).
#>
param(
    [Parameter(Mandatory)]
    [string] $ModulePath
)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path -LiteralPath $ModulePath).Path 'LoraLego.psd1') -Force
$adapters = Join-Path $PSScriptRoot 'adapters'

Write-Host "`n== The sample adapters (PEFT, tiny 4-layer model, q_proj/v_proj 64x64)" -ForegroundColor Cyan
$samples = Get-LoraAdapter -Path (Join-Path $adapters '*')
$samples | Format-Table | Out-String -Width 120 | Write-Host

Write-Host "== Ranks, alphas and scales per adapter" -ForegroundColor Cyan
$samples | ForEach-Object {
    $scales = ($_.Modules.Scale | Sort-Object -Unique) -join ', '
    '{0,-6} rank {1}, alpha {2}, scale {3}, {4} modules over {5}' -f $_.Name, $_.Rank, $_.Alpha, $scales, $_.ModuleCount, ($_.TargetModules -join '/')
} | Write-Host

Write-Host "`n== Modules of gamma" -ForegroundColor Cyan
$samples[2].Modules | Format-Table | Out-String -Width 120 | Write-Host

Write-Host "== How far each adapter moves each layer (Frobenius norm of scale * B * A)" -ForegroundColor Cyan
$samples | ForEach-Object {
    $a = $_
    $a.Modules | ForEach-Object { [pscustomobject]@{ Adapter = $a.Name; Module = $_.Name; DeltaNorm = [math]::Round($_.DeltaNorm, 4) } }
} | Where-Object Module -Like 'model.layers.0.*' | Format-Table | Out-String -Width 120 | Write-Host

Write-Host "== Take them apart: one unit (MSU) per rank of every module" -ForegroundColor Cyan
$units = $samples | Split-LoraMsu
Write-Host ("{0} units from {1} adapters; the strongest five:" -f $units.Count, $samples.Count)
$units | Sort-Object Norm -Descending | Select-Object -First 5 | Format-Table | Out-String -Width 120 | Write-Host

# Outputs go under out/demo (recreated on every run), never into samples/.
$outRoot = Join-Path $PSScriptRoot '../out/demo'
if (Test-Path $outRoot) { Remove-Item $outRoot -Recurse -Force }
New-Item -ItemType Directory -Path $outRoot | Out-Null
$k = 4

Write-Host "== LoRA-LEGO: cluster each module's pooled units into k = $k centroids and merge" -ForegroundColor Cyan
$centroids = $units | Invoke-LoraCluster -K $k -Seed 1
$centroids | Where-Object Module -EQ 'model.layers.0.self_attn.q_proj' | Format-Table | Out-String -Width 120 | Write-Host
$lego = $centroids | Merge-LoraAdapter -Path (Join-Path $outRoot 'lego') -PassThru

Write-Host "== The same adapters merged by other methods" -ForegroundColor Cyan
$merged = [ordered]@{ "Lego k=$k" = $lego }
$merged['Concat (exact sum)'] = $units | Merge-LoraAdapter -Path (Join-Path $outRoot 'concat') -PassThru
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
Write-Host "Merged adapters written under $((Resolve-Path $outRoot).Path)"
