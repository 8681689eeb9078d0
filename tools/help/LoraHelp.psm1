<#
    The help build: PlatyPS-schema markdown (docs/en-US) -> MAML and about_*.help.txt, without
    PlatyPS. Used by Build-Help.ps1 (the build) and by tests/pester/Help.Tests.ps1 (the checks),
    so both read the markdown the same way.
#>
Set-StrictMode -Version Latest
. $PSScriptRoot/HelpMarkdown.ps1
. $PSScriptRoot/CommandModel.ps1
. $PSScriptRoot/MamlWriter.ps1
. $PSScriptRoot/AboutText.ps1

Export-ModuleMember -Function Import-Markdig, Get-MarkdigPath, Read-CommandMarkdown, ConvertFrom-SimpleYaml,
    Write-MamlFile, Get-ParameterModel, Get-DocumentedParameterName, Get-FriendlyTypeName, Format-ParameterYaml, Get-SyntaxSetName, ConvertTo-AboutHelpText
