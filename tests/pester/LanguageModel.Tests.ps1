<#
    The language-model benchmark's CI slice (bench/LanguageModel, 'slice' mode): a 2-layer byte-level
    transformer trained from scratch on the two text domains every machine has (Python source, man
    pages), one LoRA per domain written by the module's PEFT writer and read back by its loader, then
    every registered merge method scored by held-out loss. Checks behaviour, not quality: the numbers
    that compare methods come from the full run in docs/benchmarks.md.
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $project = Join-Path $script:RepoRoot 'bench/LanguageModel/LoraLego.Bench.LanguageModel.csproj'
    $script:Bench = Join-Path $script:RepoRoot 'bench/LanguageModel/bin/Release/net10.0/LoraLego.Bench.LanguageModel.dll'
    # Built here, not with the solution: TorchSharp's libtorch is ~500 MB per output folder. The build
    # also marks libLibTorchSharp.so's GLIBCXX_3.4.32 requirement weak (build/WeakenGlibcxx.targets).
    & dotnet build $project -c Release --nologo -v q -clp:ErrorsOnly | Out-Host
    $script:BuildExit = $LASTEXITCODE

    $script:Cache = Join-Path ([IO.Path]::GetTempPath()) "loralego-lm-slice-$PID"
    $script:Out = Join-Path $script:Cache 'slice.json'
    $script:Clock = [Diagnostics.Stopwatch]::StartNew()
    & dotnet $script:Bench slice --cache $script:Cache --out $script:Out 2>&1 | ForEach-Object { Write-Host "    $_" }
    $script:SliceExit = $LASTEXITCODE
    $script:Seconds = $script:Clock.Elapsed.TotalSeconds
    Write-Host "    language-model slice: $([math]::Round($script:Seconds)) s"
    $script:Result = if (Test-Path $script:Out) { Get-Content -Raw $script:Out | ConvertFrom-Json } else { $null }
    $script:Registered = [LoraLego.Merging.MergeMethodRegistry]::Names
}

AfterAll {
    if ($script:Cache -and (Test-Path $script:Cache)) { Remove-Item $script:Cache -Recurse -Force }
}

Describe 'Language-model benchmark slice (2 layers; python and man; k = r, T = 2)' {
    It 'builds and runs to the end' {
        $script:BuildExit | Should -Be 0
        $script:SliceExit | Should -Be 0
        $script:Result | Should -Not -BeNullOrEmpty
    }

    It 'trains the base model: its loss falls well below the uniform byte model''s ln 256' {
        $script:Result.BaseTraining.LastLoss | Should -BeLessThan ($script:Result.BaseTraining.FirstLoss - 0.3)
        foreach ($b in $script:Result.Baselines) { $b.BaseTest | Should -BeLessThan ([math]::Log(256) - 1) -Because "$($b.Domain) base loss" }
    }

    It 'trains each LoRA to lower its own domain''s held-out loss below the base model''s' {
        # Held-out windows, not the training loss: 50 steps move a LoRA's smoothed batch loss by less than its noise.
        $script:Result.Baselines | Should -HaveCount 2
        foreach ($b in $script:Result.Baselines) {
            $b.OwnTest | Should -BeLessThan ($b.BaseTest - 0.01) -Because "$($b.Domain): base $($b.BaseTest), own $($b.OwnTest)"
            $b.OwnValidation | Should -BeLessThan $b.BaseValidation -Because "$($b.Domain) validation windows"
        }
    }

    It 'scores every registered merge method, read through the module''s loader and merged through its registry' {
        @($script:Result.Methods) | Should -Be @($script:Registered)
        foreach ($method in $script:Registered) {
            $m = @($script:Result.Merges | Where-Object Method -EQ $method)
            $m | Should -HaveCount 1 -Because "$method is registered"
            $m[0].Domains | Should -Be @('python', 'man')
            foreach ($r in @($m[0].DefaultRecovery) + @($m[0].BestRecovery)) { [double]::IsFinite($r) | Should -BeTrue -Because "$method recovery $r" }
            $m[0].BestScale | Should -BeIn $script:Result.ScaleGrid
        }
    }

    It 'merges to the ranks the methods promise: Concat keeps every unit, Svd and Lego give k = r' {
        $rank = 8
        ($script:Result.Merges | Where-Object Method -EQ 'Concat').MergedRank | Should -Be (2 * $rank)
        ($script:Result.Merges | Where-Object Method -EQ 'Concat').RankSetting | Should -Be 'natural'
        ($script:Result.Merges | Where-Object Method -EQ 'Svd').MergedRank | Should -Be $rank
        ($script:Result.Merges | Where-Object Method -EQ 'Lego').MergedRank | Should -Be $rank
    }

    It 'scores the exact sum (Concat) at its best scale at least as well as the base model on validation' {
        # The sum of two domains' LoRAs, at the scale chosen on validation windows, must not be worse
        # than no adapter at all on the test windows by more than noise.
        $concat = $script:Result.Merges | Where-Object Method -EQ 'Concat'
        ($concat.BestRecovery | Measure-Object -Average).Average | Should -BeGreaterThan 0
    }

    It 'writes the markdown table beside the JSON' {
        $md = Get-Content -Raw ([IO.Path]::ChangeExtension($script:Out, '.md'))
        foreach ($method in $script:Registered) { $md | Should -Match "\| $method \|" }
    }
}
