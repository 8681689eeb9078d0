<#
.SYNOPSIS
    Writes docs/en-US/<Cmdlet>.md for a compiled cmdlet, or brings an existing one up to date.
.DESCRIPTION
    The PlatyPS New-MarkdownHelp / Update-MarkdownHelp pair, for this repository. Imports the
    BUILT module (run build.ps1 -Task Build first), so run it in a fresh pwsh:

        dotnet pwsh -NoProfile -File tools/help/New-CommandMarkdown.ps1 -Name Merge-LoraAdapter

    New file: the PlatyPS skeleton with SYNTAX and every YAML block filled in from the code and
    {{ ... }} placeholders for the prose (the help tests fail while a placeholder remains).
    Existing file: SYNTAX and the YAML blocks are regenerated from the code, prose is kept,
    sections for new parameters are added with placeholders, and parameters the code no longer
    has are reported (delete their sections by hand).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string[]] $Name,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../out/LoraLego'),
    [string] $DocsPath = (Join-Path $PSScriptRoot '../../docs/en-US')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'LoraHelp.psm1') -Force
$module = Import-Module (Get-ChildItem -LiteralPath $ModulePath -Filter *.psd1 | Select-Object -First 1).FullName -Force -PassThru

function Format-Syntax($Command) {
    $blocks = foreach ($set in ($Command.ParameterSets | Sort-Object { -not $_.IsDefault })) {
        $title = if ($set.IsDefault -and $Command.ParameterSets.Count -gt 1) { "$($set.Name) (Default)" } else { $set.Name }
        "### $title`n``````powershell`n$($Command.Name) $set`n```````n"
    }
    "## SYNTAX`n`n" + ($blocks -join "`n")
}

function Format-Parameter($Model) {
    "### -$($Model.Name)`n{{ Describe -$($Model.Name): what it changes, its unit, when to use it. }}`n`n``````yaml`n$(Format-ParameterYaml $Model)`n```````n"
}

foreach ($commandName in $Name) {
    $command = Get-Command -Module $module.Name -Name $commandName -CommandType Cmdlet
    $models = @(Get-ParameterModel $command | Sort-Object Name)
    $path = Join-Path $DocsPath "$commandName.md"

    if (-not (Test-Path -LiteralPath $path)) {
        $outputs = @($command.OutputType.Name | Select-Object -Unique | ForEach-Object { "### $_`n{{ What each output object is. }}`n" })
        $text = @"
---
external help file: $($module.RootModule)-Help.xml
Module Name: $($module.Name)
online version:
schema: 2.0.0
---

# $commandName

## SYNOPSIS
{{ One sentence: what the cmdlet does. }}

$(Format-Syntax $command)
## DESCRIPTION
{{ What it reads, writes and refuses (with error ids). }}

## EXAMPLES

### Example 1: {{ Title }}
``````powershell
{{ Code that runs from a folder holding the sample adapters as ./samples }}
``````

{{ What it shows. }}

### Example 2: {{ Title }}
``````powershell
{{ Code }}
``````

{{ What it shows. }}

## PARAMETERS

$(($models | ForEach-Object { Format-Parameter $_ }) -join "`n")
### CommonParameters
This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable,
-InformationAction, -InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable,
-ProgressAction, -Verbose, -WarningAction, and -WarningVariable. For more information, see
[about_CommonParameters](http://go.microsoft.com/fwlink/?LinkID=113216).

## INPUTS

### {{ Input type }}
{{ What comes from the pipeline. }}

## OUTPUTS

$($outputs -join "`n")
## NOTES

## RELATED LINKS

[about_LoraLego](about_LoraLego.md)
"@
        Set-Content -LiteralPath $path -Value ($text -replace "`r`n", "`n") -NoNewline -Encoding utf8NoBOM
        Write-Host "Created $path"
        continue
    }

    # Update in place: only SYNTAX and the YAML blocks change; everything a person wrote stays.
    $text = (Get-Content -LiteralPath $path -Raw) -replace "`r`n", "`n"
    $text = [regex]::Replace($text, '(?s)## SYNTAX\n.*?(?=\n## DESCRIPTION)', { param($m) (Format-Syntax $command).TrimEnd() + "`n" })
    foreach ($model in $models) {
        $pattern = "(?s)(### -$([regex]::Escape($model.Name))\n.*?)``````yaml\n.*?``````"
        if ($text -match $pattern) {
            $text = [regex]::Replace($text, $pattern, { param($m) $m.Groups[1].Value + "``````yaml`n$(Format-ParameterYaml $model)`n``````" })
        }
        else {
            $text = $text -replace '(?=### CommonParameters)', ((Format-Parameter $model) + "`n")
            Write-Host "Added a section for -$($model.Name); describe it."
        }
    }
    foreach ($documented in ([regex]::Matches($text, '(?m)^### -(\S+)') | ForEach-Object { $_.Groups[1].Value })) {
        if ($documented -notin $models.Name) { Write-Warning "$path documents -$documented, which $commandName does not have." }
    }
    Set-Content -LiteralPath $path -Value $text -NoNewline -Encoding utf8NoBOM
    Write-Host "Updated $path"
}
