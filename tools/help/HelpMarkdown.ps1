<#
    Reads PlatyPS-schema markdown (docs/en-US/<Cmdlet>.md, about_*.md) with Markdig.

    Markdig gives the block structure (front matter, headings, paragraphs, lists, fenced code);
    the text of a paragraph is its markdown source with soft line breaks joined, as PlatyPS
    keeps it, so `code` and *emphasis* read the same in Get-Help as on a web page.

    pwsh itself ships Markdig.Signed 0.44 and loads it at start-up, so the type name
    [Markdig.Markdown] would bind to that copy. The NuGet Markdig 1.6.0 is loaded by path and
    its types are reached through the Assembly object; blocks are recognised by full type name.
#>

$script:Markdig = $null
$script:Pipeline = $null

function Import-Markdig {
    <# Loads Markdig from the NuGet packages folder (restored by tools/restore/Tools.csproj). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)
    if ($script:Markdig) { return }
    if (-not (Test-Path -LiteralPath $Path)) {
        throw "Markdig not found at '$Path'. Run 'dotnet restore tools/restore/Tools.csproj' first."
    }
    $script:Markdig = [System.Reflection.Assembly]::LoadFrom((Resolve-Path -LiteralPath $Path).Path)
    $builder = $script:Markdig.GetType('Markdig.MarkdownPipelineBuilder', $true)::new()
    $null = $script:Markdig.GetType('Markdig.MarkdownExtensions', $true)::UseYamlFrontMatter($builder)
    $script:Pipeline = $builder.Build()
}

function Get-MarkdigPath {
    <# Where the build restores Markdig: <NuGet packages folder>/markdig/1.6.0/lib/netstandard2.0/Markdig.dll. #>
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    Join-Path $packages 'markdig/1.6.0/lib/netstandard2.0/Markdig.dll'
}

function Get-MarkdownBlock {
    <#
        Flattens a markdown file into records: Kind (FrontMatter, Heading, Paragraph, List, Code,
        Other), Level (headings), Text, Info (code language). Everything help needs is top level.
    #>
    param([Parameter(Mandatory)] [string] $Text)
    if (-not $script:Markdig) { Import-Markdig -Path (Get-MarkdigPath) }
    $document = $script:Markdig.GetType('Markdig.Markdown')::Parse($Text, $script:Pipeline)
    foreach ($block in $document) {
        $source = $Text.Substring($block.Span.Start, $block.Span.Length)
        switch ($block.GetType().FullName) {
            'Markdig.Extensions.Yaml.YamlFrontMatterBlock' {
                [pscustomobject]@{ Kind = 'FrontMatter'; Level = 0; Text = $block.Lines.ToString(); Info = '' }
            }
            'Markdig.Syntax.HeadingBlock' {
                [pscustomobject]@{ Kind = 'Heading'; Level = $block.Level; Text = ($source -replace '^\s*#+\s*', '' -replace '\s*#*\s*$', ''); Info = '' }
            }
            'Markdig.Syntax.ParagraphBlock' {
                [pscustomobject]@{ Kind = 'Paragraph'; Level = 0; Text = (Join-SoftBreak $source); Info = '' }
            }
            'Markdig.Syntax.ListBlock' {
                # One line per item, the bullet kept: help text has no other way to show a list.
                $items = foreach ($item in $block) {
                    $itemSource = $Text.Substring($item.Span.Start, $item.Span.Length)
                    Join-SoftBreak ($itemSource -replace '^\s*([-*+]|\d+[.)])\s+', '')
                }
                $bullets = if ($block.IsOrdered) { $n = 0; $items | ForEach-Object { $n++; "$n. $_" } } else { $items | ForEach-Object { "- $_" } }
                [pscustomobject]@{ Kind = 'List'; Level = 0; Text = ($bullets -join "`n"); Info = '' }
            }
            { $_ -in 'Markdig.Syntax.FencedCodeBlock', 'Markdig.Syntax.CodeBlock' } {
                [pscustomobject]@{ Kind = 'Code'; Level = 0; Text = $block.Lines.ToString().TrimEnd(); Info = [string]$block.Info }
            }
            default {
                [pscustomobject]@{ Kind = 'Other'; Level = 0; Text = $source.Trim(); Info = '' }
            }
        }
    }
}

function Join-SoftBreak([string] $Source) {
    (($Source -split '\r?\n') | ForEach-Object { $_.Trim() } | Where-Object { $_ }) -join ' '
}

function ConvertFrom-SimpleYaml {
    <# The flat "Key: value" YAML PlatyPS uses (front matter, parameter blocks). #>
    param([string] $Text)
    $map = [ordered]@{}
    foreach ($line in ($Text -split '\r?\n')) {
        if ($line -match '^\s*([^:#][^:]*):\s*(.*?)\s*$') { $map[$Matches[1].Trim()] = $Matches[2] }
    }
    $map
}

function New-EmptyCommandHelp {
    <# The shape Read-CommandMarkdown fills; empty, it stands in for a cmdlet nobody documented yet. #>
    param([string] $Path = '')
    [pscustomobject]@{
        Path         = $Path
        FrontMatter  = [ordered]@{}
        Name         = $null
        Synopsis     = [System.Collections.Generic.List[string]]::new()
        SyntaxSets   = [System.Collections.Generic.List[string]]::new()
        Description  = [System.Collections.Generic.List[string]]::new()
        Examples     = [System.Collections.Generic.List[object]]::new()
        Parameters   = [ordered]@{}
        Inputs       = [System.Collections.Generic.List[object]]::new()
        Outputs      = [System.Collections.Generic.List[object]]::new()
        Notes        = [System.Collections.Generic.List[string]]::new()
        RelatedLinks = [System.Collections.Generic.List[object]]::new()
    }
}

function Read-CommandMarkdown {
    <#
        Parses one docs/en-US/<Cmdlet>.md into the pieces the MAML needs. Prose only: parameter
        metadata is read from the compiled cmdlet; the YAML blocks are returned for checking.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)
    $text = Get-Content -LiteralPath $Path -Raw
    $help = New-EmptyCommandHelp -Path $Path
    $section = ''
    $current = $null   # the example, parameter or type entry an H3 opened
    foreach ($block in (Get-MarkdownBlock -Text $text)) {
        if ($block.Kind -eq 'FrontMatter') { $help.FrontMatter = ConvertFrom-SimpleYaml $block.Text; continue }
        if ($block.Kind -eq 'Heading') {
            switch ($block.Level) {
                1 { $help.Name = $block.Text; $section = ''; $current = $null }
                2 { $section = $block.Text.ToUpperInvariant(); $current = $null }
                default {
                    $current = switch ($section) {
                        'SYNTAX' { $help.SyntaxSets.Add(($block.Text -replace '\s*\(Default\)\s*$', '')); $null }
                        'EXAMPLES' {
                            $example = [pscustomobject]@{ Title = $block.Text; Code = [System.Collections.Generic.List[string]]::new(); Remarks = [System.Collections.Generic.List[string]]::new() }
                            $help.Examples.Add($example); $example
                        }
                        'PARAMETERS' {
                            if ($block.Text -eq 'CommonParameters') { $null; break }
                            $parameter = [pscustomobject]@{ Name = $block.Text -replace '^-', ''; Description = [System.Collections.Generic.List[string]]::new(); Metadata = [ordered]@{} }
                            $help.Parameters[$parameter.Name] = $parameter; $parameter
                        }
                        { $_ -in 'INPUTS', 'OUTPUTS' } {
                            $type = [pscustomobject]@{ Type = $block.Text; Description = [System.Collections.Generic.List[string]]::new() }
                            if ($section -eq 'INPUTS') { $help.Inputs.Add($type) } else { $help.Outputs.Add($type) }
                            $type
                        }
                        default { $null }
                    }
                }
            }
            continue
        }
        $paragraph = $block.Text
        switch ($section) {
            'SYNOPSIS' { $help.Synopsis.Add($paragraph) }
            'DESCRIPTION' { $help.Description.Add($paragraph) }
            'NOTES' { $help.Notes.Add($paragraph) }
            'EXAMPLES' {
                if (-not $current) { break }
                if ($block.Kind -eq 'Code' -and $block.Info -match '^(powershell|pwsh|ps1?)$') { $current.Code.Add($block.Text) }
                else { $current.Remarks.Add($paragraph) }
            }
            'PARAMETERS' {
                if (-not $current) { break }
                if ($block.Kind -eq 'Code' -and $block.Info -eq 'yaml') { $current.Metadata = ConvertFrom-SimpleYaml $block.Text }
                else { $current.Description.Add($paragraph) }
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } { if ($current) { $current.Description.Add($paragraph) } }
            'RELATED LINKS' {
                # "[text](uri)" per line or list item; a bare name is a link to another help topic.
                foreach ($line in ($block.Text -split "`n")) {
                    $line = $line -replace '^- ', ''
                    # Only absolute URIs survive: a relative .md link means "the help topic of that name".
                    if ($line -match '^\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)') {
                        $uri = if ($Matches.uri -match '^https?://') { $Matches.uri } else { '' }
                        $help.RelatedLinks.Add([pscustomobject]@{ Text = $Matches.text; Uri = $uri })
                    }
                    elseif ($line.Trim()) { $help.RelatedLinks.Add([pscustomobject]@{ Text = $line.Trim(); Uri = '' }) }
                }
            }
        }
    }
    $help
}

