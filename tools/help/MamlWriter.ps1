<#
    Writes <Assembly>-Help.xml (MAML, the format Get-Help reads for binary cmdlets).

    Syntax and parameter metadata come from the compiled cmdlet (its CommandInfo), so help can
    never disagree with the code on a type, a position or a parameter set; only the prose comes
    from the markdown (see HelpMarkdown.ps1). Element shapes follow the MAML that PlatyPS
    writes: helpItems > command:command > details, description, syntax, parameters,
    inputTypes, returnValues, alertSet, examples, relatedLinks.
    The code side (parameter records) is CommandModel.ps1.
#>

$script:Ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}

function Write-Para([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs) {
    $Writer.WriteStartElement('maml', 'description', $script:Ns.maml)
    foreach ($p in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $script:Ns.maml, $p) }
    $Writer.WriteEndElement()
}

function Write-ParameterElement {
    # The same element serves the syntax (per set: Required/Position of that set) and the
    # parameters list (merged). Switches carry no parameterValue, which makes Get-Help print
    # [-Name] rather than [-Name <SwitchParameter>].
    param([System.Xml.XmlWriter] $Writer, $Model, [bool] $Required, [string] $Position, [string[]] $Description, [bool] $InSyntax)
    $Writer.WriteStartElement('command', 'parameter', $script:Ns.command)
    $Writer.WriteAttributeString('required', $Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', $Model.Type.IsArray.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $Model.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Model.PipelineInput)
    $Writer.WriteAttributeString('position', $Position.ToLowerInvariant())
    $Writer.WriteAttributeString('aliases', $(if ($Model.Aliases.Count) { $Model.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $script:Ns.maml, $Model.Name)
    Write-Para $Writer $Description
    if ($InSyntax -and $Model.Values.Count) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $script:Ns.command)
        foreach ($v in $Model.Values) {
            $Writer.WriteStartElement('command', 'parameterValue', $script:Ns.command)
            $Writer.WriteAttributeString('required', 'false'); $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($v); $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    if (-not $Model.IsSwitch -or -not $InSyntax) {
        $Writer.WriteStartElement('command', 'parameterValue', $script:Ns.command)
        $Writer.WriteAttributeString('required', (-not $Model.IsSwitch).ToString().ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', $Model.Type.IsArray.ToString().ToLowerInvariant())
        $Writer.WriteString($Model.TypeName); $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $script:Ns.dev)
    $Writer.WriteElementString('maml', 'name', $script:Ns.maml, $Model.TypeName)
    $Writer.WriteElementString('maml', 'uri', $script:Ns.maml, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $script:Ns.dev, $Model.DefaultValue)
    $Writer.WriteEndElement()
}

function Write-TypeList([System.Xml.XmlWriter] $Writer, [string] $Container, [string] $Item, $Types) {
    $Writer.WriteStartElement('command', $Container, $script:Ns.command)
    foreach ($t in $Types) {
        $Writer.WriteStartElement('command', $Item, $script:Ns.command)
        $Writer.WriteStartElement('dev', 'type', $script:Ns.dev)
        $Writer.WriteElementString('maml', 'name', $script:Ns.maml, $t.Type)
        $Writer.WriteEndElement()
        Write-Para $Writer $t.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-CommandHelp {
    <# One command:command element: code metadata + markdown prose ($Markdown may be $null). #>
    param([System.Xml.XmlWriter] $Writer, [System.Management.Automation.CommandInfo] $Command, $Markdown)
    if (-not $Markdown) { $Markdown = New-EmptyCommandHelp }
    $parameters = @(Get-ParameterModel $Command)
    $describe = { param($name) if ($Markdown.Parameters.Contains($name)) { @($Markdown.Parameters[$name].Description) } else { @() } }

    $Writer.WriteStartElement('command', 'command', $script:Ns.command)
    foreach ($prefix in 'maml', 'dev', 'MSHelp') { $Writer.WriteAttributeString('xmlns', $prefix, $null, $script:Ns[$prefix]) }

    $Writer.WriteStartElement('command', 'details', $script:Ns.command)
    $Writer.WriteElementString('command', 'name', $script:Ns.command, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $script:Ns.command, $Command.Verb)
    $Writer.WriteElementString('command', 'noun', $script:Ns.command, $Command.Noun)
    Write-Para $Writer @($Markdown.Synopsis)
    $Writer.WriteEndElement()
    Write-Para $Writer @($Markdown.Description)

    # Default set first, as PowerShell's own syntax lists it.
    $Writer.WriteStartElement('command', 'syntax', $script:Ns.command)
    foreach ($set in ($Command.ParameterSets | Sort-Object { -not $_.IsDefault })) {
        $Writer.WriteStartElement('command', 'syntaxItem', $script:Ns.command)
        $Writer.WriteElementString('maml', 'name', $script:Ns.maml, $Command.Name)
        $inSet = $set.Parameters | Where-Object { $_.Name -in $parameters.Name }
        $ordered = @($inSet | Where-Object Position -GE 0 | Sort-Object Position) + @($inSet | Where-Object Position -LT 0)
        foreach ($p in $ordered) {
            $model = $parameters | Where-Object Name -EQ $p.Name
            $position = if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }
            Write-ParameterElement $Writer $model $p.IsMandatory $position (& $describe $p.Name) $true
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $script:Ns.command)
    foreach ($model in ($parameters | Sort-Object Name)) {
        Write-ParameterElement $Writer $model $model.Required $model.Position (& $describe $model.Name) $false
    }
    $Writer.WriteEndElement()

    Write-TypeList $Writer 'inputTypes' 'inputType' @($Markdown.Inputs)
    Write-TypeList $Writer 'returnValues' 'returnValue' @($Markdown.Outputs)

    $Writer.WriteStartElement('maml', 'alertSet', $script:Ns.maml)
    $Writer.WriteElementString('maml', 'title', $script:Ns.maml, '')
    $Writer.WriteStartElement('maml', 'alert', $script:Ns.maml)
    foreach ($p in @($Markdown.Notes)) { $Writer.WriteElementString('maml', 'para', $script:Ns.maml, $p) }
    $Writer.WriteEndElement(); $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $script:Ns.command)
    foreach ($example in @($Markdown.Examples)) {
        $Writer.WriteStartElement('command', 'example', $script:Ns.command)
        $Writer.WriteElementString('maml', 'title', $script:Ns.maml, "-------------------------- $($example.Title) --------------------------")
        $Writer.WriteElementString('dev', 'code', $script:Ns.dev, ($example.Code -join "`n"))
        $Writer.WriteStartElement('dev', 'remarks', $script:Ns.dev)
        foreach ($p in $example.Remarks) { $Writer.WriteElementString('maml', 'para', $script:Ns.maml, $p) }
        # An empty paragraph: Get-Help would otherwise run the next example's title into this text.
        $Writer.WriteElementString('maml', 'para', $script:Ns.maml, '')
        $Writer.WriteEndElement(); $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $script:Ns.command)
    foreach ($link in @($Markdown.RelatedLinks)) {
        $Writer.WriteStartElement('maml', 'navigationLink', $script:Ns.maml)
        $Writer.WriteElementString('maml', 'linkText', $script:Ns.maml, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $script:Ns.maml, $link.Uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function Write-MamlFile {
    <# $Entries: records with Command (CommandInfo) and Markdown (Read-CommandMarkdown result or $null). #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [object[]] $Entries)
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($entry in $Entries) { Write-CommandHelp $writer $entry.Command $entry.Markdown }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally { $writer.Dispose() }
}

