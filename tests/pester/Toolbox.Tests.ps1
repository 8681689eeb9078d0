<#
    Measure-LoraAdapter, Compare-LoraAdapter and Resize-LoraAdapter as users see them: objects,
    filters, files written (or not), error ids, views and tab completion. The numbers themselves
    are checked against dense MathNet computations in the xunit tests (tests/LoraLego.Tests/Analysis).
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Samples = Get-LoraAdapter (Join-Path $script:SamplesPath 'adapters/*')
    $script:TaskA = $script:Samples | Where-Object Name -EQ 'task-a'
    function New-OutputPath([string] $Leaf) { Join-Path $TestDrive ("$Leaf-" + [guid]::NewGuid().ToString('n')) }
}

Describe 'Measure-LoraAdapter' {
    It 'writes one ModuleSpectrum per module, from the pipeline' {
        $spectra = @($script:TaskA | Measure-LoraAdapter)
        $spectra.Count | Should -Be $script:TaskA.ModuleCount
        $spectra | ForEach-Object { $_ | Should -BeOfType ([LoraLego.Analysis.ModuleSpectrum]) }
        $spectra.Module | Should -Be $script:TaskA.Modules.Name
        foreach ($s in $spectra) {
            $s.SingularValues.Count | Should -Be 4
            $s.EffectiveRank | Should -BeGreaterThan 1
            $s.EffectiveRank | Should -BeLessOrEqual 4
            $s.StableRank | Should -BeGreaterOrEqual 1
            [math]::Abs($s.TopShare * $s.StableRank - 1) | Should -BeLessThan 1e-12
            # |dW|_F from the spectrum equals the module's factor-Gram norm.
            $m = $script:TaskA.Modules | Where-Object Name -EQ $s.Module
            [math]::Abs($s.FrobeniusNorm - $m.DeltaNorm) / $m.DeltaNorm | Should -BeLessThan 1e-9
        }
    }

    It 'filters by -Module and -Layer' {
        @($script:Samples | Measure-LoraAdapter -Module mlp.fc*).Count | Should -Be 6
        @($script:TaskA | Measure-LoraAdapter -Module *head).Module | Should -Be 'mlp.head'
        @($script:TaskA | Measure-LoraAdapter -Layer 7) | Should -BeNullOrEmpty
    }

    It 'has a table view' {
        $text = $script:TaskA | Measure-LoraAdapter | Format-Table | Out-String -Width 200
        $text | Should -Match 'EffRank'
        $text | Should -Match 'mlp\.fc2'
    }
}

Describe 'Compare-LoraAdapter' {
    It 'compares every pair over the shared modules' {
        $pairs = @($script:Samples | Compare-LoraAdapter)
        $pairs.Count | Should -Be 3
        $pairs | ForEach-Object { $_ | Should -BeOfType ([LoraLego.Analysis.AdapterSimilarity]) }
        foreach ($p in $pairs) {
            $p.SharedModules | Should -Be 3
            $p.Cosine | Should -BeGreaterOrEqual $p.MinCosine
            $p.Cosine | Should -BeLessOrEqual $p.MaxCosine
            $p.ColumnOverlap | Should -BeGreaterThan 0
            $p.ColumnOverlap | Should -BeLessOrEqual 1
        }
    }

    It 'gives 1 for an adapter and a copy of itself' {
        $copy = Get-LoraAdapter (Join-Path $script:SamplesPath 'adapters/task-a') -Name copy
        $same = Compare-LoraAdapter $script:TaskA, $copy
        $same.Cosine | Should -BeGreaterThan (1 - 1e-12)
        $same.ColumnOverlap | Should -BeGreaterThan (1 - 1e-9)
        $same.RowOverlap | Should -BeGreaterThan (1 - 1e-9)
    }

    It 'ranks a pool against -Reference, most similar first' {
        $copy = Get-LoraAdapter (Join-Path $script:SamplesPath 'adapters/task-a') -Name copy
        $ranked = @(Compare-LoraAdapter ($script:Samples + $copy) -Reference $script:TaskA -Module mlp.fc*)
        $ranked.Count | Should -Be 3
        $ranked[0].Other | Should -Be 'copy'
        $ranked.Reference | Sort-Object -Unique | Should -Be 'task-a'
        $ranked | ForEach-Object { $_.SharedModules | Should -Be 2 }
    }

    It 'writes a matrix that reads at a glance with -Matrix' {
        $matrix = $script:Samples | Compare-LoraAdapter -Matrix
        $matrix | Should -BeOfType ([LoraLego.Analysis.SimilarityMatrix])
        $matrix.Adapters | Should -Be @('task-a', 'task-b', 'task-c')
        $matrix.Cosine[0][1] | Should -Be $matrix.Cosine[1][0]
        $text = $matrix | Out-String
        $text | Should -Match '\[1\] task-a\s+1\.000'
        $text | Should -Match '\[3\]'
    }

    It 'refuses fewer than two adapters (CompareNeedsTwoAdapters)' {
        $script:TaskA | Compare-LoraAdapter -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CompareNeedsTwoAdapters,*'
        Compare-LoraAdapter $script:TaskA -Reference $script:TaskA -ErrorVariable errs2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs2[0].FullyQualifiedErrorId | Should -BeLike 'CompareNeedsTwoAdapters,*'
    }

    It 'completes -Module with the bound adapters'' module names' {
        $line = 'Compare-LoraAdapter -Adapter $script:Samples -Module mlp.f'
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Contain 'mlp.fc1'
        $completions | Should -Contain 'mlp.fc2'
        $completions | Should -Not -Contain 'mlp.head'
    }
}

Describe 'Resize-LoraAdapter' {
    It 'writes a rank-2 PEFT adapter from a rank-4 one' {
        $out = New-OutputPath 'r2'
        $script:TaskA | Resize-LoraAdapter -Path $out -Rank 2 | Should -BeNullOrEmpty
        $back = Get-LoraAdapter $out
        $back.Format | Should -Be 'Peft'
        $back.Rank | Should -Be '2'
        $back.Modules.Name | Should -Be $script:TaskA.Modules.Name
        # The kept energy equals what the spectrum says a rank-2 truncation keeps.
        foreach ($m in $back.Modules) {
            $spectrum = $script:TaskA | Measure-LoraAdapter -Module $m.Name
            $kept = ($m.DeltaNorm * $m.DeltaNorm) / $spectrum.Energy
            [math]::Abs($kept - $spectrum.EnergyKept(2)) | Should -BeLessThan 1e-5
        }
    }

    It 'chooses ranks per module and reports them with -PassThru' {
        $out = New-OutputPath 'energy'
        $report = @($script:TaskA | Resize-LoraAdapter -Path $out -EnergyRatio 0.9 -PassThru)
        $report.Count | Should -Be 3
        $report | ForEach-Object { $_ | Should -BeOfType ([LoraLego.Resizing.ModuleResize]) }
        foreach ($r in $report) {
            $r.OldRank | Should -Be 4
            $r.FrobeniusKept | Should -BeGreaterOrEqual 0.9
            # One rank less would not have been enough: the rank is the least that meets the ratio.
            $spectrum = $script:TaskA | Measure-LoraAdapter -Module $r.Module
            [math]::Sqrt($spectrum.EnergyKept($r.NewRank - 1)) | Should -BeLessThan 0.9
        }

        $back = Get-LoraAdapter $out
        foreach ($r in $report) { ($back.Modules | Where-Object Name -EQ $r.Module).Rank | Should -Be $r.NewRank }
        ($report | Format-Table | Out-String -Width 200) | Should -Match 'EnergyKept'
    }

    It 'writes nothing with -WhatIf but still previews with -PassThru' {
        $out = New-OutputPath 'whatif'
        $preview = @($script:TaskA | Resize-LoraAdapter -Path $out -SingularValueRatio 2 -WhatIf -PassThru)
        $preview.Count | Should -Be 3
        Test-Path $out | Should -BeFalse
    }

    It 'writes kohya with a per-module alpha equal to the rank' {
        $out = (New-OutputPath 'kohya') + '.safetensors'
        # kohya files are for Stable Diffusion and Flux layers: the SD 1.5 sample, not the MLP tasks.
        Get-LoraAdapter (Join-Path $script:SamplesPath 'sd15/watercolor-kohya.safetensors') |
            Resize-LoraAdapter -Path $out -CumulativeRatio 0.6 -MaxRank 3 -Format Kohya
        $back = Get-LoraAdapter $out
        $back.Format | Should -Be 'Kohya'
        $back.Modules | ForEach-Object { $_.Alpha | Should -Be $_.Rank; $_.Rank | Should -BeLessOrEqual 3 }
    }

    It 'refuses a second adapter to the same path (ResizeTargetReused), -MinRank above -MaxRank, and an existing output' {
        $out = New-OutputPath 'two'
        $script:Samples[0..1] | Resize-LoraAdapter -Path $out -Rank 2 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.FullyQualifiedErrorId | Should -BeLike 'ResizeTargetReused,*'
        (Get-LoraAdapter $out).Rank | Should -Be '2'

        Resize-LoraAdapter $script:TaskA (New-OutputPath 'range') -EnergyRatio 0.5 -MinRank 3 -MaxRank 2 -ErrorVariable errs2 -ErrorAction SilentlyContinue
        $errs2[0].FullyQualifiedErrorId | Should -BeLike 'ResizeRankRangeInvalid,*'

        Resize-LoraAdapter $script:TaskA $out -Rank 1 -ErrorVariable errs3 -ErrorAction SilentlyContinue
        $errs3[0].FullyQualifiedErrorId | Should -BeLike 'OutputExists,*'
        Resize-LoraAdapter $script:TaskA $out -Rank 1 -Force
        (Get-LoraAdapter $out).Rank | Should -Be '1'
    }

    It 'refuses to write over its input (OutputIsInput)' {
        $copy = Join-Path $TestDrive 'input-copy'
        Copy-Item -Recurse (Join-Path $script:SamplesPath 'adapters/task-a') $copy
        $before = (Get-FileHash (Join-Path $copy 'adapter_model.safetensors')).Hash
        Get-LoraAdapter $copy | Resize-LoraAdapter -Path $copy -Rank 2 -Force -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'OutputIsInput,*'
        (Get-FileHash (Join-Path $copy 'adapter_model.safetensors')).Hash | Should -Be $before
    }
}
