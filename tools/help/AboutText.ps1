<#
    Turns an about_*.md into the plain text Get-Help shows for about_ topics:
    H2 headings at the margin in capitals, H3 indented, prose wrapped at 80 columns with a
    four-space indent, code indented eight and never wrapped, list items with a hanging indent.
#>

function Format-Wrapped([string] $Text, [string] $First, [string] $Rest, [int] $Width = 80) {
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = $First
    $fresh = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $fresh -and ($line.Length + 1 + $word.Length) -gt $Width) {
            $lines.Add($line); $line = $Rest + $word
        }
        elseif ($fresh) { $line += $word }
        else { $line += ' ' + $word }
        $fresh = $false
    }
    $lines.Add($line)
    $lines
}

function ConvertTo-AboutHelpText {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)
    $out = [System.Collections.Generic.List[string]]::new()
    $afterHeading = $false   # text starts on the line after its heading, as in PowerShell's own about topics
    foreach ($block in (Get-MarkdownBlock -Text (Get-Content -LiteralPath $Path -Raw))) {
        switch ($block.Kind) {
            'FrontMatter' { }
            'Heading' {
                if ($out.Count) { $out.Add('') }
                switch ($block.Level) {
                    1 { $out.Add('TOPIC'); $out.Add("    $($block.Text)") }
                    2 { $out.Add($block.Text.ToUpperInvariant()) }
                    default { $out.Add("  $($block.Text)") }
                }
            }
            'Code' {
                $out.Add('')
                foreach ($l in ($block.Text -split '\r?\n')) { $out.Add(("        $l").TrimEnd()) }
            }
            'List' {
                if (-not $afterHeading) { $out.Add('') }
                foreach ($item in ($block.Text -split "`n")) {
                    $bullet = ([regex]::Match($item, '^(- |\d+\. )')).Value
                    $out.AddRange([string[]](Format-Wrapped $item.Substring($bullet.Length) "    $bullet" (' ' * (4 + $bullet.Length))))
                }
            }
            default {
                if (-not $afterHeading) { $out.Add('') }
                $out.AddRange([string[]](Format-Wrapped $block.Text '    ' '    '))
            }
        }
        $afterHeading = $block.Kind -eq 'Heading'
    }
    ($out -join [Environment]::NewLine) + [Environment]::NewLine
}

