<#
    Export-LoraReport as users see it: the cmdlet's contract (pipeline input, -WhatIf, -Force,
    errors), and the report opened in a real browser. Headless Chromium (Debian's; installed
    here when missing, as on a fresh CI machine) takes screenshots, and the PNGs are decoded to
    check that every chart was drawn: not blank, several colours, each source's series colour.
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'BrowserHelpers.ps1')
    $script:Samples = Get-LoraAdapter -Path (Join-Path $script:SamplesPath 'adapters/*')
    $script:Units = $script:Samples | Split-LoraMsu
    $script:Centroids = $script:Units | Invoke-LoraCluster -K 4 -Seed 1
    $script:Lego = $script:Centroids | Merge-LoraAdapter -Path (Join-Path $TestDrive 'lego') -PassThru
    $script:Concat = $script:Units | Merge-LoraAdapter -Path (Join-Path $TestDrive 'concat') -Method Concat -PassThru
    # The palette colours of the three sources (ChartStyle: sources come first).
    $script:SourceColours = [int[]]@(0x4E79A7, 0xF28E2B, 0xE15759)
    # Kept after the run for people to look at.
    $script:Screens = Join-Path $script:RepoRoot 'out/report-screenshots'
    New-Item -ItemType Directory -Path $script:Screens -Force | Out-Null

    function New-SampleReport([string] $Path) {
        $script:Centroids | Export-LoraReport -Path $Path -Merged $script:Lego, $script:Concat -Source $script:Samples -Title 'Sample merges' -PassThru
    }
}

Describe 'Export-LoraReport' {
    It 'writes one HTML file from pipeline centroids, merges and sources, and returns it with -PassThru' {
        $path = Join-Path $TestDrive 'report.html'
        $file = New-SampleReport $path
        $file | Should -BeOfType [IO.FileInfo]
        $file.FullName | Should -Be $path
        $html = Get-Content -Raw $path
        # 2 layer charts, 3 spectra (one per module), retention 1 + 2 merges, similarity 1, clusters 2.
        ([regex]::Matches($html, '<svg viewBox=')).Count | Should -Be 11
        $html | Should -Not -Match '<script'
        $html | Should -Not -Match '(src|href)\s*=\s*"?(https?:)?//'
        foreach ($name in 'task-a', 'task-b', 'task-c', 'lego', 'concat') { $html | Should -Match ">$name<" }
    }

    It 'writes the same bytes for the same inputs' {
        $one = Join-Path $TestDrive 'one.html'; $two = Join-Path $TestDrive 'two.html'
        $null = New-SampleReport $one
        $null = New-SampleReport $two
        (Get-FileHash $one).Hash | Should -Be (Get-FileHash $two).Hash
    }

    It 'takes adapters from the pipeline on their own' {
        $path = Join-Path $TestDrive 'adapters.html'
        $script:Samples | Export-LoraReport -Path $path -TopModules 2
        $html = Get-Content -Raw $path
        $html | Should -Match 'The 2 of 3 modules with the largest deltas'
        $html | Should -Match 'id="similarity"'
        $html | Should -Not -Match 'id="retention"'
    }

    It 'writes nothing with -WhatIf' {
        $path = Join-Path $TestDrive 'whatif.html'
        $script:Samples | Export-LoraReport -Path $path -WhatIf
        Test-Path $path | Should -BeFalse
    }

    It 'refuses to replace a file without -Force (OutputExists) and replaces it with -Force' {
        $path = Join-Path $TestDrive 'exists.html'
        Set-Content -Path $path -Value 'keep me'
        $script:Samples[0] | Export-LoraReport -Path $path -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'OutputExists*'
        $failed[0].Exception.Message | Should -Match ([regex]::Escape($path))
        Get-Content -Raw $path | Should -Match 'keep me'
        $script:Samples[0] | Export-LoraReport -Path $path -Force
        Get-Content -Raw $path | Should -Match '<svg viewBox='
        @(Get-ChildItem -Force $TestDrive -Filter '.exists.html*').Count | Should -Be 0
    }

    It 'reports units that are not centroids (ReportNotACentroid) and still writes the rest' {
        $path = Join-Path $TestDrive 'mixed.html'
        @($script:Samples[0]; $script:Units[0]) | Export-LoraReport -Path $path -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ReportNotACentroid*'
        Test-Path $path | Should -BeTrue
    }

    It 'needs the sources of a merge (ReportSourceMissing) and an .html path (ReportPathInvalid)' {
        Export-LoraReport -Path (Join-Path $TestDrive 'nosrc.html') -Merged $script:Lego -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ReportSourceMissing*'
        $script:Samples | Export-LoraReport -Path (Join-Path $TestDrive 'report.txt') -ErrorVariable wrong -ErrorAction SilentlyContinue
        $wrong[0].FullyQualifiedErrorId | Should -BeLike 'ReportPathInvalid*'
        Test-Path (Join-Path $TestDrive 'report.txt') | Should -BeFalse
    }
}

Describe 'Export-LoraReport in a real browser' {
    BeforeAll {
        $script:Chromium = Get-Chromium
        $script:Report = Join-Path $TestDrive 'browser.html'
        $null = New-SampleReport $script:Report
    }

    It 'shows the report with its charts drawn (1280x2000 screenshot)' {
        if (-not $script:Chromium) { Set-ItResult -Skipped -Because 'no chromium, and it can only be installed on Linux as root'; return }
        $png = Join-Path $script:Screens 'report-top.png'
        Save-Screenshot -Chromium $script:Chromium -Url ([Uri]::new($script:Report)).AbsoluteUri -Png $png
        $image = [LoraLegoTests.Png]::Read($png)
        $image.Width | Should -Be 1280
        $image.Height | Should -Be 2000
        # The first screen holds the layer charts and the first spectra: every source drawn, in many colours.
        Get-ChartProblem -Png $image -X 0 -Y 0 -Width 1280 -Height 2000 -Colours $script:SourceColours -Name 'the first screen' | Should -BeNullOrEmpty
        $image.DistinctColours(0, 0, 1280, 2000) | Should -BeGreaterThan 200
    }

    It 'draws every chart of the report (each checked in its own region)' {
        if (-not $script:Chromium) { Set-ItResult -Skipped -Because 'no chromium, and it can only be installed on Linux as root'; return }
        # The report's own <svg> elements, stacked at known places on one page, so each chart's region is known.
        $html = Get-Content -Raw $script:Report
        $svgs = [regex]::Matches($html, '(?s)<svg viewBox="0 0 (\d+) (\d+)".*?</svg>')
        $svgs.Count | Should -Be 11
        $top = 0; $regions = @(); $body = [Text.StringBuilder]::new()
        foreach ($m in $svgs) {
            $w = [int]$m.Groups[1].Value; $h = [int]$m.Groups[2].Value
            $null = $body.Append("<div style=`"position:absolute;left:0;top:${top}px;width:${w}px;height:${h}px`">$($m.Value)</div>")
            $regions += [pscustomobject]@{ Y = $top; Width = $w; Height = $h; Heatmap = $m.Value -match 'aria-label="Cosine similarity' }
            $top += $h + 10
        }
        $sheet = Join-Path $TestDrive 'sheet.html'
        Set-Content -Path $sheet -Value "<!DOCTYPE html><html><head><meta charset=`"utf-8`"></head><body style=`"margin:0;background:#fff`">$body</body></html>"
        $png = Join-Path $script:Screens 'report-charts.png'
        Save-Screenshot -Chromium $script:Chromium -Url ([Uri]::new($sheet)).AbsoluteUri -Png $png -Height $top
        $image = [LoraLegoTests.Png]::Read($png)
        $i = 0
        foreach ($r in $regions) {
            $i++
            # The heatmap's diagonal (cosine 1) is the palette's red end; every other chart draws the three sources.
            $colours = if ($r.Heatmap) { [int[]]@(0xD6604D) } else { $script:SourceColours }
            Get-ChartProblem -Png $image -X 0 -Y $r.Y -Width $r.Width -Height $r.Height -Colours $colours -Name "chart $i" | Should -BeNullOrEmpty
        }
    }

    It 'fails the same checks on a blank page and on a page whose charts are broken' {
        if (-not $script:Chromium) { Set-ItResult -Skipped -Because 'no chromium, and it can only be installed on Linux as root'; return }
        $blank = Join-Path $TestDrive 'blank.html'
        Set-Content -Path $blank -Value '<!DOCTYPE html><html><body style="background:#f5f6f8"></body></html>'
        $png = Join-Path $TestDrive 'blank.png'
        Save-Screenshot -Chromium $script:Chromium -Url ([Uri]::new($blank)).AbsoluteUri -Png $png
        Get-ChartProblem -Png ([LoraLegoTests.Png]::Read($png)) -X 0 -Y 0 -Width 1280 -Height 2000 -Colours $script:SourceColours | Should -Match 'blank'

        # The report with every chart's drawing commands cut out: frames and text remain, no series.
        $broken = Join-Path $TestDrive 'broken.html'
        (Get-Content -Raw $script:Report) -replace '(?s)<svg viewBox=.*?</svg>', '<svg width="550" height="340"></svg>' | Set-Content -Path $broken
        $png = Join-Path $TestDrive 'broken.png'
        Save-Screenshot -Chromium $script:Chromium -Url ([Uri]::new($broken)).AbsoluteUri -Png $png
        Get-ChartProblem -Png ([LoraLegoTests.Png]::Read($png)) -X 0 -Y 0 -Width 1280 -Height 2000 -Colours $script:SourceColours | Should -Match 'lacks its series colour'
    }
}
