<#
    What the compiled cmdlet says about itself: documented parameters merged over parameter
    sets, with the values PlatyPS puts in its YAML blocks. Shared by the MAML writer, the
    markdown scaffolder (New-CommandMarkdown.ps1) and the help tests.
#>

function Get-DocumentedParameterName {
    <# The parameters help must describe: all but the common ones (ProgressAction included). #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    # WhatIf and Confirm are documented, as PlatyPS does: they are the cmdlet's own risk switches.
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + 'ProgressAction', 'UseTransaction'
    $Command.ParameterSets.Parameters.Name | Where-Object { $_ -notin $common } | Select-Object -Unique
}

function Get-ParameterModel {
    <#
        One record per documented parameter, merged over parameter sets: Required only when
        mandatory in every set it belongs to; pipeline input when any set takes it.
    #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    $names = @(Get-DocumentedParameterName $Command)
    $defaults = Get-ParameterDefault $Command
    foreach ($name in $names) {
        $inSets = @($Command.ParameterSets | Where-Object { $_.Parameters.Name -contains $name })
        $perSet = @($inSets | ForEach-Object { $_.Parameters | Where-Object Name -EQ $name })
        $meta = $Command.Parameters[$name]
        $type = $meta.ParameterType
        $byValue = [bool]($perSet | Where-Object ValueFromPipeline)
        $byName = [bool]($perSet | Where-Object ValueFromPipelineByPropertyName)
        $position = ($perSet | Where-Object { $_.Position -ge 0 } | Select-Object -First 1)
        $setNames = if ($inSets.Count -eq $Command.ParameterSets.Count) { '(All)' } else { ($inSets.Name -join ', ') }
        [pscustomobject]@{
            Name          = $name
            Type          = $type
            TypeName      = Get-FriendlyTypeName $type
            IsSwitch      = $type -eq [System.Management.Automation.SwitchParameter]
            Required      = -not ($perSet | Where-Object { -not $_.IsMandatory })
            Position      = if ($position) { [string]$position.Position } else { 'Named' }
            PipelineInput = Format-PipelineInput $byValue $byName
            Globbing      = [bool]($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            Aliases       = @($meta.Aliases)
            ParameterSets = $setNames
            DefaultValue  = $defaults[$name]
            Values        = @(Get-AllowedValue $meta)
        }
    }
}

function Format-PipelineInput([bool] $ByValue, [bool] $ByName) {
    if ($ByValue -and $ByName) { 'True (ByValue, ByPropertyName)' }
    elseif ($ByValue) { 'True (ByValue)' }
    elseif ($ByName) { 'True (ByPropertyName)' }
    else { 'False' }
}

function Get-FriendlyTypeName([type] $Type) {
    # What a user types: String[], Int32, SwitchParameter; generic arguments spelled out.
    if ($Type.IsArray) { return (Get-FriendlyTypeName $Type.GetElementType()) + '[]' }
    if ($Type.IsGenericType) {
        $arguments = ($Type.GetGenericArguments() | ForEach-Object { Get-FriendlyTypeName $_ }) -join ', '
        return ($Type.Name -replace '`\d+$', '') + "[$arguments]"
    }
    $Type.Name
}

function Get-AllowedValue($Meta) {
    # Enum members and ValidateSet values: Get-Help shows them as {A | B} in the syntax.
    $set = $Meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    if ($set) { return $set.ValidValues }
    $type = $Meta.ParameterType
    if ($type.IsArray) { $type = $type.GetElementType() }
    if ($type.IsEnum) { return [enum]::GetNames($type) }
}

function Get-ParameterDefault {
    <#
        Default values as the code initialises them: a fresh instance of the cmdlet class, each
        parameter property read back. Null, empty and false switches read as "None"/"False".
    #>
    param([System.Management.Automation.CommandInfo] $Command)
    $defaults = @{}
    $type = if ($Command -is [System.Management.Automation.CmdletInfo]) { $Command.ImplementingType } else { $null }
    if (-not $type) { return $defaults }
    $instance = $null
    try { $instance = [Activator]::CreateInstance($type) } catch { return $defaults }
    try {
        foreach ($name in (Get-DocumentedParameterName $Command)) {
            $property = $type.GetProperty($name)
            if (-not $property) { continue }
            $value = $property.GetValue($instance)
            $defaults[$name] = if ($null -eq $value) { 'None' }
            elseif ($value -is [System.Management.Automation.SwitchParameter]) { [string]$value.IsPresent }
            elseif ($value -is [array]) { if ($value.Count) { $value -join ', ' } else { 'None' } }
            elseif ($value -is [string] -and $value -eq '') { 'None' }
            elseif ($value -is [double] -or $value -is [single]) { $value.ToString([cultureinfo]::InvariantCulture) }
            else { [string]$value }
        }
    }
    finally { if ($instance -is [IDisposable]) { $instance.Dispose() } }
    $defaults
}

function Format-ParameterYaml {
    <# The PlatyPS YAML block for one parameter record, as the code defines it. #>
    param([Parameter(Mandatory)] $Model)
    @(
        "Type: $($Model.TypeName)"
        "Parameter Sets: $($Model.ParameterSets)"
        ("Aliases: " + ($Model.Aliases -join ', ')).TrimEnd()
        ''
        "Required: $($Model.Required)"
        "Position: $($Model.Position)"
        "Default value: $($Model.DefaultValue)"
        "Accept pipeline input: $($Model.PipelineInput)"
        "Accept wildcard characters: $($Model.Globbing)"
    ) -join "`n"
}

function Get-SyntaxSetName {
    <# Parameter set names as the markdown's SYNTAX headings spell them, default set first. #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    ($Command.ParameterSets | Sort-Object { -not $_.IsDefault }).Name
}
