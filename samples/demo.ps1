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
