<#
.SYNOPSIS
    Builds the module's help from docs/en-US into <ModulePath>/en-US.
.DESCRIPTION
    Runs in its own pwsh (build.ps1 starts it) because it imports the BUILT module to read the
    compiled cmdlets: syntax, types, positions, pipeline input, aliases, parameter sets and
    defaults come from there; synopsis, description, examples, parameter descriptions, inputs,
    outputs, notes and links come from docs/en-US/<Cmdlet>.md.

    Writes en-US/<RootModule>-Help.xml (MAML) for every exported cmdlet and
    en-US/about_*.help.txt for every docs/en-US/about_*.md. A cmdlet without markdown still
    gets its syntax in help, with a warning; tests/pester/Help.Tests.ps1 fails on it.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [string] $MarkdigPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

Import-Module (Join-Path $PSScriptRoot 'LoraHelp.psm1') -Force
Import-Markdig -Path $(if ($MarkdigPath) { $MarkdigPath } else { Get-MarkdigPath })

$manifest = Get-ChildItem -LiteralPath $ModulePath -Filter *.psd1 | Select-Object -First 1
$module = Import-Module $manifest.FullName -Force -PassThru
$culture = Join-Path $ModulePath 'en-US'
New-Item -ItemType Directory -Path $culture -Force | Out-Null

$entries = foreach ($command in (Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)) {
    $markdownPath = Join-Path $DocsPath "$($command.Name).md"
    $markdown = $null
    if (Test-Path -LiteralPath $markdownPath) { $markdown = Read-CommandMarkdown -Path $markdownPath }
    else { Write-Warning "No help markdown for $($command.Name): copy docs/en-US/_template.md to $markdownPath." }
    [pscustomobject]@{ Command = $command; Markdown = $markdown }
}

# Get-Help looks for <the file that implements the cmdlet>-Help.xml in the culture folder.
$helpFile = Join-Path $culture "$($module.RootModule)-Help.xml"
if ($entries) { Write-MamlFile -Path $helpFile -Entries @($entries) }

foreach ($about in (Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md')) {
    $target = Join-Path $culture ($about.BaseName + '.help.txt')
    Set-Content -LiteralPath $target -Value (ConvertTo-AboutHelpText -Path $about.FullName) -NoNewline -Encoding utf8NoBOM
}
Write-Host "Help written to $culture ($(@($entries).Count) cmdlets)"
