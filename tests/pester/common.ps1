# Dot-sourced by every *.Tests.ps1: imports the built module (never the source tree) and names the
# folders tests read from.
$script:ModulePath = if ($env:LORALEGO_MODULE_PATH) { $env:LORALEGO_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/LoraLego' }
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:SamplesPath = Join-Path $script:RepoRoot 'samples'
$script:RealFixtures = Join-Path $script:RepoRoot '../shared/fixtures/real'
$script:HasRealFixtures = Test-Path $script:RealFixtures
Import-Module (Join-Path $script:ModulePath 'LoraLego.psd1') -Force
