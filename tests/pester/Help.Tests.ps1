<#
    Help as users get it (Get-Help on the built module) and as it is written (docs/en-US/*.md),
    for every cmdlet the built module exports. A cmdlet without markdown fails here.

    Examples run for real: each example's code block runs in a fresh temporary folder that holds
    a copy of the repository's samples/ as ./samples (the convention docs/en-US/_template.md
    sets), with $ErrorActionPreference = 'Stop', so an example that errors fails its test.
#>
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module (Join-Path $PSScriptRoot '../../tools/help/LoraHelp.psm1') -Force
    $docs = Join-Path $PSScriptRoot '../../docs/en-US'
    $script:Cmdlets = foreach ($command in (Get-Command -Module LoraLego -CommandType Cmdlet | Sort-Object Name)) {
        $markdownPath = Join-Path $docs "$($command.Name).md"
        $examples = if (Test-Path $markdownPath) {
            $n = 0
            foreach ($example in (Read-CommandMarkdown -Path $markdownPath).Examples) {
                $n++
                @{ Number = $n; Title = $example.Title; Code = ($example.Code -join "`n") }
            }
        }
        @{ Name = $command.Name; MarkdownPath = $markdownPath; Examples = @($examples) }
    }
    $n = 0
    $script:AboutRecipes = foreach ($example in (Read-CommandMarkdown -Path (Join-Path $docs 'about_LoraLego.md')).Examples) {
        $n++
        @{ Number = $n; Title = $example.Title; Code = ($example.Code -join "`n") }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $PSScriptRoot '../../tools/help/LoraHelp.psm1') -Force
    $script:Docs = Join-Path $script:RepoRoot 'docs/en-US'

    function Invoke-Example([string] $Code, [switch] $AboutLayout) {
        # The user's view: a folder with the sample adapters in ./samples, nothing else. The about
        # topic's recipes speak of ./adapters (a folder of adapters) and ./a (one adapter) instead.
        $folder = Join-Path ([IO.Path]::GetTempPath()) "loralego-example-$([guid]::NewGuid().ToString('n'))"
        New-Item -ItemType Directory -Path $folder | Out-Null
        if ($AboutLayout) {
            Copy-Item -Path (Join-Path $script:SamplesPath 'adapters') -Destination (Join-Path $folder 'adapters') -Recurse
            Copy-Item -Path (Get-ChildItem (Join-Path $script:SamplesPath 'adapters') -Directory | Select-Object -Last 1).FullName -Destination (Join-Path $folder 'a') -Recurse
        }
        else { Copy-Item -Path $script:SamplesPath -Destination (Join-Path $folder 'samples') -Recurse }
        Push-Location $folder
        try {
            $block = [scriptblock]::Create("`$ErrorActionPreference = 'Stop'`n$Code")
            $null = & $block
        }
        finally {
            Pop-Location
            Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Help for <Name>' -ForEach $script:Cmdlets {
    BeforeAll {
        $script:Command = Get-Command -Module LoraLego -Name $Name
        $script:Help = Get-Help $Name -Full
        $script:Markdown = if (Test-Path $MarkdownPath) { Read-CommandMarkdown -Path $MarkdownPath }
        $script:Documented = @(Get-DocumentedParameterName $script:Command)
    }

    It 'has docs/en-US/<Name>.md' {
        $MarkdownPath | Should -Exist -Because 'every exported cmdlet needs help markdown (copy docs/en-US/_template.md or run tools/help/New-CommandMarkdown.ps1)'
    }

    It 'shows the markdown''s synopsis in Get-Help' {
        $script:Markdown.Synopsis -join ' ' | Should -Not -BeNullOrEmpty
        # Without MAML, Get-Help falls back to the syntax line; this proves the help file loaded.
        $script:Help.Synopsis | Should -Be ($script:Markdown.Synopsis -join "`n`n")
    }

    It 'has a description' {
        ($script:Help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples, each with code and an explanation' {
        $examples = @($script:Help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'describes every parameter in Get-Help' {
        foreach ($parameter in $script:Documented) {
            $entry = @($script:Help.parameters.parameter) | Where-Object name -EQ $parameter
            $entry | Should -Not -BeNullOrEmpty -Because "-$parameter must be in help"
            ($entry.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It 'documents exactly the parameters the code declares' {
        @($script:Markdown.Parameters.Keys | Sort-Object) | Should -Be @($script:Documented | Sort-Object)
    }

    It 'has one SYNTAX block per parameter set of the code' {
        @($script:Markdown.SyntaxSets | Sort-Object) | Should -Be @($script:Command.ParameterSets.Name | Sort-Object)
    }

    It 'has YAML blocks that agree with the code' {
        $checked = 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Accept pipeline input', 'Accept wildcard characters'
        foreach ($model in (Get-ParameterModel $script:Command)) {
            $fromCode = ConvertFrom-SimpleYaml (Format-ParameterYaml $model)
            $fromDocs = $script:Markdown.Parameters[$model.Name].Metadata
            foreach ($key in $checked) {
                "$($fromDocs[$key])".Trim() | Should -Be "$($fromCode[$key])".Trim() -Because "-$($model.Name) '$key' (tools/help/New-CommandMarkdown.ps1 -Name $Name rewrites the YAML)"
            }
        }
    }

    It 'names the [OutputType] types under OUTPUTS' {
        foreach ($type in @($script:Command.OutputType.Name | Select-Object -Unique)) {
            @($script:Markdown.Outputs.Type) | Should -Contain $type
        }
    }

    It 'has no {{ placeholder }} left' {
        Get-Content -Raw $MarkdownPath | Should -Not -Match '\{\{'
    }

    It 'runs example <Number> (<Title>) against the sample adapters' -ForEach $Examples {
        $Code | Should -Not -BeNullOrEmpty
        $script:SamplesPath | Should -Exist -Because 'examples run against the sample adapters (build.ps1 -Task Samples)'
        { Invoke-Example $Code } | Should -Not -Throw
    }
}

Describe 'Help files' {
    It 'has a cmdlet for every cmdlet markdown file' {
        $exported = @(Get-Command -Module LoraLego -CommandType Cmdlet).Name
        $pages = Get-ChildItem $script:Docs -Filter *.md | Where-Object { $_.BaseName -notlike 'about_*' -and $_.BaseName -ne '_template' }
        foreach ($page in $pages) { $exported | Should -Contain $page.BaseName -Because "$($page.Name) documents a cmdlet the module does not export" }
    }

    It 'shows about_LoraLego with Get-Help' {
        $about = Get-Help about_LoraLego | Out-String
        $about | Should -Match 'minimal\s+semantic\s+unit'
        $about | Should -Match 'Dual reweighting'
        foreach ($format in 'PEFT', 'kohya', 'diffusers') { $about | Should -Match $format }
        $about | Should -Match 'reliability\.md'
    }

    It 'answers Get-Help -Full and Get-Help about_LoraLego in a fresh pwsh right after Import-Module' {
        $manifest = (Resolve-Path (Join-Path $script:ModulePath 'LoraLego.psd1')).Path
        $report = Invoke-FreshPwsh @"
Import-Module '$manifest' -ErrorAction Stop
`$cmdlets = foreach (`$c in (Get-Command -Module LoraLego -CommandType Cmdlet)) {
    `$h = Get-Help `$c.Name -Full
    [pscustomobject]@{ Name = `$c.Name; Synopsis = [string]`$h.Synopsis; Examples = @(`$h.examples.example).Count }
}
[pscustomobject]@{ About = (Get-Help about_LoraLego | Out-String); Cmdlets = @(`$cmdlets) } | ConvertTo-Json -Depth 4 -Compress
"@ | Select-Object -Last 1 | ConvertFrom-Json
        $report.About | Should -Match 'LONG DESCRIPTION'
        foreach ($cmdlet in $report.Cmdlets) {
            $expected = (Get-Help $cmdlet.Name).Synopsis
            $cmdlet.Synopsis | Should -Be $expected -Because "$($cmdlet.Name) help must load in a new session"
            $cmdlet.Examples | Should -BeGreaterOrEqual 2
        }
    }

    It 'runs about_LoraLego recipe <Number> (<Title>) with ./adapters and ./a from the samples' -ForEach $script:AboutRecipes {
        if (@(Get-Command Get-LoraAdapter, Split-LoraMsu, Invoke-LoraCluster, Merge-LoraAdapter, Measure-LoraMerge -Module LoraLego -ErrorAction SilentlyContinue).Count -ne 5) {
            Set-ItResult -Skipped -Because 'the recipes need all five cmdlets'; return
        }
        { Invoke-Example $Code -AboutLayout } | Should -Not -Throw
    }

    It 'installs about_LoraLego.help.txt and the MAML beside the module' {
        Join-Path $script:ModulePath 'en-US/about_LoraLego.help.txt' | Should -Exist
        if (@(Get-Command -Module LoraLego -CommandType Cmdlet).Count) {
            $maml = [xml](Get-Content -Raw (Join-Path $script:ModulePath 'en-US/LoraLego.PowerShell.dll-Help.xml'))
            @($maml.helpItems.command.details.name | Sort-Object) | Should -Be @((Get-Command -Module LoraLego -CommandType Cmdlet).Name | Sort-Object)
        }
    }

    It 'keeps the template readable by the help build' {
        $template = Read-CommandMarkdown -Path (Join-Path $script:Docs '_template.md')
        $template.Synopsis.Count | Should -Be 1
        $template.Examples.Count | Should -BeGreaterOrEqual 2
        @($template.Examples | Where-Object { -not $_.Code.Count }) | Should -BeNullOrEmpty
        $template.Parameters.Keys | Should -Not -Contain 'CommonParameters'
        foreach ($parameter in $template.Parameters.Values) { $parameter.Metadata['Type'] | Should -Not -BeNullOrEmpty }
        $template.SyntaxSets | Should -Be @('Path', 'LiteralPath')
        $template.FrontMatter['schema'] | Should -Be '2.0.0'
    }
}
