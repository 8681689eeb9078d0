BeforeDiscovery {
    # -Skip is decided at discovery, before BeforeAll runs.
    $script:HasRealFixtures = Test-Path (Join-Path $PSScriptRoot '../../../shared/fixtures/real')
    if (-not $script:HasRealFixtures) { Write-Warning 'Real fixtures (../shared/fixtures/real) not found: the real-adapter pipeline tests are skipped.' }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Adapters = Join-Path $script:SamplesPath 'adapters'
    # The samples' 64x64 hidden layer (fc1 is 32 -> 64, head 64 -> 10).
    $script:Module = 'mlp.fc2'

    # Reads a tensor straight from a safetensors file (F32 only), without the module's code.
    function Read-RawTensor([string] $File, [string] $Name) {
        $bytes = [IO.File]::ReadAllBytes($File)
        $n = [BitConverter]::ToUInt64($bytes, 0)
        $header = [Text.Encoding]::UTF8.GetString($bytes, 8, [int]$n) | ConvertFrom-Json -AsHashtable
        $t = $header[$Name]
        $t.dtype | Should -Be 'F32'
        $start = 8 + $n + $t.data_offsets[0]
        $count = ($t.data_offsets[1] - $t.data_offsets[0]) / 4
        $values = [double[]]::new($count)
        for ($i = 0; $i -lt $count; $i++) { $values[$i] = [BitConverter]::ToSingle($bytes, $start + 4 * $i) }
        [pscustomobject]@{ Shape = $t.shape; Values = $values }
    }

    # scale · B · A of one PEFT module, densely, from the raw tensors and the config's r and alpha.
    function Get-RawDelta([string] $Folder, [string] $ModuleName) {
        $config = Get-Content -Raw (Join-Path $Folder 'adapter_config.json') | ConvertFrom-Json
        $file = Join-Path $Folder 'adapter_model.safetensors'
        $a = Read-RawTensor $file "base_model.model.$ModuleName.lora_A.weight"
        $b = Read-RawTensor $file "base_model.model.$ModuleName.lora_B.weight"
        $r = $a.Shape[0]; $in = $a.Shape[1]; $out = $b.Shape[0]
        $scale = $config.lora_alpha / $config.r
        $d = [double[]]::new($out * $in)
        for ($o = 0; $o -lt $out; $o++) {
            for ($k = 0; $k -lt $r; $k++) {
                $bk = $scale * $b.Values[$o * $r + $k]
                if ($bk -eq 0) { continue }
                $row = $k * $in
                for ($i = 0; $i -lt $in; $i++) { $d[$o * $in + $i] += $bk * $a.Values[$row + $i] }
            }
        }
        , $d
    }

    function Get-RelativeError([double[]] $Actual, [double[]] $Expected) {
        $num = 0.0; $den = 0.0
        for ($i = 0; $i -lt $Expected.Length; $i++) { $num += [math]::Pow($Actual[$i] - $Expected[$i], 2); $den += [math]::Pow($Expected[$i], 2) }
        [math]::Sqrt($num / $den)
    }

    # The average of the three sample adapters' deltas of $script:Module, densely from the raw tensors.
    function Get-MeanDelta {
        $mean = [double[]]::new(64 * 64)
        foreach ($name in 'task-a', 'task-b', 'task-c') {
            $d = Get-RawDelta (Join-Path $script:Adapters $name) $script:Module
            for ($i = 0; $i -lt $d.Length; $i++) { $mean[$i] += $d[$i] / 3 }
        }
        , $mean
    }

    function Get-Norm([double[]] $Values) { [math]::Sqrt(($Values | ForEach-Object { $_ * $_ } | Measure-Object -Sum).Sum) }

    function Get-Sha([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash }
}

Describe 'Split-LoraMsu' {
    BeforeAll { $script:Samples = Get-LoraAdapter (Join-Path $script:Adapters '*') }

    It 'writes one unit per rank of every module' {
        $units = $script:Samples | Split-LoraMsu
        $units.Count | Should -Be (3 * 4 + 3 * 4 + 3 * 4)
        $units[0] | Should -BeOfType ([LoraLego.Pipeline.LoraUnit])
        ($units | Where-Object Adapter -EQ 'task-c' | Where-Object Module -EQ $script:Module).Index | Should -Be (0..3)
    }

    It 'gives each unit its module scale and the norm |s|·‖a‖·‖b‖' {
        $u = $script:Samples[1] | Split-LoraMsu -Module $script:Module | Select-Object -Index 2
        $u.Scale | Should -Be 1
        $a = $u.GetA(); $b = $u.GetB()
        $a.Length | Should -Be 64
        $b.Length | Should -Be 64
        $expected = 1 * [math]::Sqrt(($a | ForEach-Object { $_ * $_ } | Measure-Object -Sum).Sum) * [math]::Sqrt(($b | ForEach-Object { $_ * $_ } | Measure-Object -Sum).Sum)
        $u.Norm | Should -BeGreaterThan 0
        [math]::Abs($u.Norm - $expected) / $expected | Should -BeLessThan 1e-6
    }

    It 'reads a unit''s vectors as the row of A and the column of B' {
        $u = $script:Samples[0] | Split-LoraMsu -Module $script:Module | Select-Object -Index 3
        $file = Join-Path $script:Adapters 'task-a/adapter_model.safetensors'
        $A = Read-RawTensor $file "base_model.model.$($script:Module).lora_A.weight"
        $B = Read-RawTensor $file "base_model.model.$($script:Module).lora_B.weight"
        $u.GetA() | Should -Be ($A.Values[(3 * 64)..(3 * 64 + 63)])
        $u.GetB() | Should -Be (0..63 | ForEach-Object { $B.Values[$_ * 4 + 3] })
    }

    It 'filters modules and layers with wildcards' {
        ($script:Samples | Split-LoraMsu -Module 'mlp.fc*' | Select-Object -ExpandProperty Module -Unique) | Should -Be @('mlp.fc1', 'mlp.fc2')
        # The samples' module names carry no layer index (mlp.fc1, ...): their layer is empty, so a
        # numeric layer pattern keeps none of them and only a pattern that matches '' keeps them all.
        @($script:Samples | Split-LoraMsu -Layer 2).Count | Should -Be 0
        ($script:Samples | Split-LoraMsu -Layer '*' | Select-Object -First 1).Layer | Should -BeNullOrEmpty
        ($script:Samples[2] | Split-LoraMsu -Layer '*' -Module '*fc*').Count | Should -Be 8
    }

    It 'multiplies scales by -Weight' {
        $u = $script:Samples[0] | Split-LoraMsu -Weight 0.25 -Module $script:Module | Select-Object -First 1
        $u.Scale | Should -Be 0.25
        $u.Weight | Should -Be 0.25
    }
}

Describe 'Split-LoraMsu on numbered layers' {
    It 'filters GPT-2 layers by number and wildcard' -Skip:(-not $script:HasRealFixtures) {
        $t = Get-LoraAdapter (Join-Path $script:RealFixtures 'gpt2/tigrinya')
        ($t | Split-LoraMsu -Layer 3 | Select-Object -ExpandProperty Layer -Unique) | Should -Be '3'
        ($t | Split-LoraMsu -Layer 3 | Select-Object -ExpandProperty Module -Unique) | Should -Be @('transformer.h.3.attn.c_attn', 'transformer.h.3.attn.c_proj', 'transformer.h.3.mlp.c_proj')
        ($t | Split-LoraMsu -Layer '1*' | Select-Object -ExpandProperty Layer -Unique | Sort-Object) | Should -Be @('1', '10', '11')
        ($t | Split-LoraMsu -Layer '1?' -Module '*c_attn').Count | Should -Be 16
    }
}

Describe 'Merge-LoraAdapter' {
    BeforeAll { $script:Samples = Get-LoraAdapter (Join-Path $script:Adapters '*') }

    It 'writes the exact sum of the inputs when units arrive unclustered' {
        $out = Join-Path $TestDrive 'sum'
        $m = $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $out -Method Concat -PassThru
        $m | Should -BeOfType ([LoraLego.Adapters.LoraAdapter])
        $m.Rank | Should -Be '12'
        $m.ModuleCount | Should -Be 3
        $expected = [double[]]::new(64 * 64)
        foreach ($name in 'task-a', 'task-b', 'task-c') {
            $d = Get-RawDelta (Join-Path $script:Adapters $name) $script:Module
            for ($i = 0; $i -lt $d.Length; $i++) { $expected[$i] += $d[$i] }
        }
        $actual = Get-RawDelta $out $script:Module
        Get-RelativeError $actual $expected | Should -BeLessThan 1e-6
        (Measure-LoraMerge -Merged $m -Source $script:Samples -Summary).RelativeError | Should -BeLessThan 1e-6
    }

    It 'merges with TSV-M scaled to the inputs'' average by default, and says so in the metadata' {
        $default = Join-Path $TestDrive 'default'; $explicit = Join-Path $TestDrive 'tsvm-mean'
        $m = $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $default -PassThru
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $explicit -Method TsvM -OutputScale MeanNorm
        Get-Sha (Join-Path $default 'adapter_model.safetensors') | Should -Be (Get-Sha (Join-Path $explicit 'adapter_model.safetensors'))
        # Every triplet of the three rank-4 inputs (12); in the 10-output head ⌊10/3⌋ = 3 of each.
        ($m.Modules | Sort-Object Name | ForEach-Object Rank) | Should -Be @(12, 12, 9)
        $bytes = [IO.File]::ReadAllBytes((Join-Path $default 'adapter_model.safetensors'))
        $header = [Text.Encoding]::UTF8.GetString($bytes, 8, [int][BitConverter]::ToUInt64($bytes, 0)) | ConvertFrom-Json -AsHashtable
        $header['__metadata__']['loralego.method'] | Should -Be 'TsvM'
        ($header['__metadata__']['loralego.options'] | ConvertFrom-Json).output_scale | Should -Be 'MeanNorm'
        [math]::Abs((Get-Norm (Get-RawDelta $default $script:Module)) - (Get-Norm (Get-MeanDelta))) / (Get-Norm (Get-MeanDelta)) | Should -BeLessThan 1e-6
    }

    It 'writes a PEFT config that follows the inputs' {
        $out = Join-Path $TestDrive 'cfg'
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $out -Method Concat
        $config = Get-Content -Raw (Join-Path $out 'adapter_config.json') | ConvertFrom-Json
        $config.peft_type | Should -Be 'LORA'
        $config.r | Should -Be 12
        $config.lora_alpha | Should -Be 12
        # The written modules' full paths: PEFT adapts exactly these layers.
        @($config.target_modules) | Should -Be @('mlp.fc1', 'mlp.fc2', 'mlp.head')
        $config.base_model_name_or_path | Should -Be 'loralego-bench/mlp'
        $bytes = [IO.File]::ReadAllBytes((Join-Path $out 'adapter_model.safetensors'))
        $header = [Text.Encoding]::UTF8.GetString($bytes, 8, [int][BitConverter]::ToUInt64($bytes, 0)) | ConvertFrom-Json -AsHashtable
        $header['__metadata__']['format'] | Should -Be 'pt'
        $header['__metadata__']['loralego.method'] | Should -Be 'Concat'
        ($header['__metadata__']['loralego.sources'] | ConvertFrom-Json).name | Should -Be @('task-a', 'task-b', 'task-c')
        ($header.Keys | Where-Object { $_ -ne '__metadata__' } | Sort-Object) | Should -Be (($script:Samples[0].Modules | ForEach-Object { $_.AKey; $_.BKey }) | Sort-Object)
    }

    It 'writes nothing with -WhatIf' {
        $out = Join-Path $TestDrive 'whatif'
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $out -WhatIf
        Test-Path $out | Should -BeFalse
        @(Get-ChildItem $TestDrive -Force -Filter '.whatif*').Count | Should -Be 0
    }

    It 'refuses an existing output without -Force and replaces it with -Force' {
        $out = Join-Path $TestDrive 'exists'
        $script:Samples[0] | Split-LoraMsu | Merge-LoraAdapter -Path $out
        $before = Get-Sha (Join-Path $out 'adapter_model.safetensors')
        $script:Samples[1] | Split-LoraMsu | Merge-LoraAdapter -Path $out -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputExists*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Sha (Join-Path $out 'adapter_model.safetensors') | Should -Be $before
        $script:Samples[1] | Split-LoraMsu | Merge-LoraAdapter -Path $out -Force
        Get-Sha (Join-Path $out 'adapter_model.safetensors') | Should -Not -Be $before
    }

    It 'refuses to write over one of its inputs' {
        $copy = Join-Path $TestDrive 'input'
        Copy-Item (Join-Path $script:Adapters 'task-a') $copy -Recurse
        $before = Get-Sha (Join-Path $copy 'adapter_model.safetensors')
        Get-LoraAdapter $copy | Split-LoraMsu | Merge-LoraAdapter -Path $copy -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputIsInput*'
        Get-Sha (Join-Path $copy 'adapter_model.safetensors') | Should -Be $before
    }

    It 'writes a kohya file that loads back with the same deltas' {
        # The SD 1.5 samples: a kohya and a diffusers file of one base, merged module for module.
        $sd = Get-LoraAdapter (Join-Path $script:SamplesPath 'sd15/*')
        $out = Join-Path $TestDrive 'merged.safetensors'
        $k = $sd | Split-LoraMsu | Merge-LoraAdapter -Path $out -Method Concat -Format Kohya -PassThru
        $k.Format | Should -Be 'Kohya'
        $k.ModuleCount | Should -Be 10
        $d = $sd | Split-LoraMsu | Merge-LoraAdapter -Path (Join-Path $TestDrive 'merged-d.safetensors') -Method Concat -Format Diffusers -PassThru
        $d.Format | Should -Be 'Diffusers'
        foreach ($m in $k.Modules) { [math]::Abs($m.DeltaNorm - $d.GetModule($m.Name).DeltaNorm) / $m.DeltaNorm | Should -BeLessThan 1e-6 }
    }

    It 'refuses kohya for a transformers model, naming the module and the way out, and writes nothing' {
        $out = Join-Path $TestDrive 'mlp.safetensors'
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $out -Format Kohya -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputNameUnmapped*'
        $err[0].Exception.Message | Should -Match 'Peft'
        Test-Path $out | Should -BeFalse
    }

    It 'writes half precision with -DType' {
        $m = $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path (Join-Path $TestDrive 'f16') -DType F16 -PassThru
        $m.DType | Should -Be 'F16'
        $m = $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path (Join-Path $TestDrive 'bf16') -DType BF16 -PassThru
        $m.DType | Should -Be 'BF16'
    }

    It 'reduces to -Rank with -Method Svd, no worse than LoRA-LEGO at the same rank' {
        # Fidelity to the sum: both as merged (no output-scale rule).
        $svd = $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path (Join-Path $TestDrive 'svd4') -Method Svd -Rank 4 -OutputScale AsMerged -PassThru
        $svd.Rank | Should -Be '4'
        $lego = $script:Samples | Split-LoraMsu | Invoke-LoraCluster -K 4 -OutputScale AsMerged | Merge-LoraAdapter -Path (Join-Path $TestDrive 'lego4') -PassThru
        $lego.Rank | Should -Be '4'
        $es = Measure-LoraMerge $svd $script:Samples -Summary
        $el = Measure-LoraMerge $lego $script:Samples -Summary
        $es.RelativeError | Should -BeLessOrEqual ($el.RelativeError + 1e-9)
    }

    It 'merges with the 2025 spectral methods and records the options they use' {
        $core = $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path (Join-Path $TestDrive 'core') -Method core_space -CoreSpaceMerge Iso-CTS -CommonSpaceFraction 0.5 -Rank 6 -PassThru
        $core.Modules | ForEach-Object { $_.Rank | Should -Be 6 }
        $bytes = [IO.File]::ReadAllBytes($core.TensorFilePath)
        $header = [Text.Encoding]::UTF8.GetString($bytes, 8, [int][BitConverter]::ToUInt64($bytes, 0)) | ConvertFrom-Json -AsHashtable
        $header['__metadata__']['loralego.method'] | Should -Be 'CoreSpace'
        $options = $header['__metadata__']['loralego.options'] | ConvertFrom-Json
        $options.core_space_merge | Should -Be 'Iso-CTS'
        $options.common_space_fraction | Should -Be '0.5'

        # TSV-M keeps ⌊min(out, in) / 3⌋ triplets of each input, at most its 4: all 12 in fc1 (32 / 3) and fc2, 3 × 3 in the 10-output head.
        $tsv = $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path (Join-Path $TestDrive 'tsv') -Method TSV-M -PassThru
        ($tsv.Modules | Sort-Object Name | ForEach-Object Rank) | Should -Be @(12, 12, 9)
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path (Join-Path $TestDrive 'bad') -Method TsvM -TaskFraction 0 -ErrorVariable err -ErrorAction SilentlyContinue
        ($err | ForEach-Object FullyQualifiedErrorId) -join ' ' | Should -Match 'MergeFractionInvalid'
        Test-Path (Join-Path $TestDrive 'bad') | Should -BeFalse
    }

    It 'scales each merged module to the norm of the inputs'' average with -OutputScale MeanNorm' {
        $expected = Get-MeanDelta
        $meanNorm = Get-Norm $expected

        # Concat scaled to the average's norm is the average itself.
        $avg = Join-Path $TestDrive 'avg'
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $avg -Method Concat -OutputScale MeanNorm
        Get-RelativeError (Get-RawDelta $avg $script:Module) $expected | Should -BeLessThan 1e-6

        # Svd keeps its direction (a multiple of the as-merged delta) and gets the average's norm.
        $raw = Join-Path $TestDrive 'svd-raw'; $scaled = Join-Path $TestDrive 'svd-mean'
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $raw -Method Svd -Rank 4 -OutputScale AsMerged
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $scaled -Method Svd -Rank 4 -OutputScale MeanNorm
        $r = Get-RawDelta $raw $script:Module; $m = Get-RawDelta $scaled $script:Module
        $norm = Get-Norm $m
        [math]::Abs($norm - $meanNorm) / $meanNorm | Should -BeLessThan 1e-6
        $ratio = $norm / (Get-Norm $r)
        Get-RelativeError $m ($r | ForEach-Object { $_ * $ratio }) | Should -BeLessThan 1e-6
        $bytes = [IO.File]::ReadAllBytes((Join-Path $scaled 'adapter_model.safetensors'))
        $header = [Text.Encoding]::UTF8.GetString($bytes, 8, [int][BitConverter]::ToUInt64($bytes, 0)) | ConvertFrom-Json -AsHashtable
        ($header['__metadata__']['loralego.options'] | ConvertFrom-Json).output_scale | Should -Be 'MeanNorm'
    }

    It 'scales to the inputs'' root-mean-square norm with -OutputScale RmsNorm' {
        $sq = 0.0
        foreach ($name in 'task-a', 'task-b', 'task-c') {
            $d = Get-RawDelta (Join-Path $script:Adapters $name) $script:Module
            $sq += ($d | ForEach-Object { $_ * $_ } | Measure-Object -Sum).Sum / 3
        }
        $out = Join-Path $TestDrive 'ties-rms'
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path $out -Method Ties -Rank 4 -OutputScale RmsNorm
        $m = Get-RawDelta $out $script:Module
        $norm = Get-Norm $m
        [math]::Abs($norm - [math]::Sqrt($sq)) / [math]::Sqrt($sq) | Should -BeLessThan 1e-6
    }

    It 'assembles centroids as they are and says so when -Method or -OutputScale is given' {
        $c = $script:Samples | Split-LoraMsu | Invoke-LoraCluster -K 4 -Seed 2
        $plain = $c | Merge-LoraAdapter -Path (Join-Path $TestDrive 'c-plain') -PassThru -WarningVariable w0
        $w0 | Should -BeNullOrEmpty
        $svd = $c | Merge-LoraAdapter -Path (Join-Path $TestDrive 'c-svd') -Method Svd -Rank 2 -PassThru -WarningVariable w 3>$null
        ($w -join ' ') | Should -Match 'centroids from Invoke-LoraCluster'
        $svd.Rank | Should -Be '4'
        Get-RelativeError (Get-RawDelta (Join-Path $TestDrive 'c-svd') $script:Module) (Get-RawDelta (Join-Path $TestDrive 'c-plain') $script:Module) | Should -BeLessThan 1e-7
    }

    It 'names an unknown method' {
        $script:Samples | Split-LoraMsu | Merge-LoraAdapter -Path (Join-Path $TestDrive 'x') -Method NoSuch -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnknownMergeMethod*'
        $err[0].Exception.Message | Should -Match 'Svd'
        Test-Path (Join-Path $TestDrive 'x') | Should -BeFalse
    }

    It 'gives byte-identical files for the same seed' {
        $a = $script:Samples | Split-LoraMsu | Invoke-LoraCluster -K 5 -Seed 11 | Merge-LoraAdapter -Path (Join-Path $TestDrive 's1') -PassThru
        $b = $script:Samples | Split-LoraMsu | Invoke-LoraCluster -K 5 -Seed 11 | Merge-LoraAdapter -Path (Join-Path $TestDrive 's2') -PassThru
        Get-Sha $a.TensorFilePath | Should -Be (Get-Sha $b.TensorFilePath)
        Get-Sha $a.ConfigPath | Should -Be (Get-Sha $b.ConfigPath)
    }

    It 'warns about non-LoRA tensors it leaves out and keeps the first adapter''s with -ExtraTensors First' -Skip:(-not $script:HasRealFixtures) {
        $cls = Get-LoraAdapter (Join-Path $script:RealFixtures 'gpt2/emotion-cls'), (Join-Path $script:RealFixtures 'gpt2/sentiment-cls')
        $m = $cls | Split-LoraMsu -Layer 0 | Merge-LoraAdapter -Path (Join-Path $TestDrive 'cls') -PassThru -WarningVariable w 3>$null
        ($w -join "`n") | Should -Match 'score\.weight'
        $m.ExtraTensors.Count | Should -Be 0
        $m = $cls | Split-LoraMsu -Layer 0 | Merge-LoraAdapter -Path (Join-Path $TestDrive 'cls1') -PassThru -ExtraTensors First 3>$null
        $m.ExtraTensors.Name | Should -Be 'base_model.model.score.weight'
        $m.ExtraTensors[0].Shape | Should -Be @(6, 768)
    }
}

Describe 'Invoke-LoraCluster' {
    BeforeAll { $script:Units = Get-LoraAdapter (Join-Path $script:Adapters '*') | Split-LoraMsu }

    It 'writes K centroids per module, each carrying its cluster' {
        $c = $script:Units | Invoke-LoraCluster -K 4 -Seed 3
        $c.Count | Should -Be (3 * 4)
        $q = $c | Where-Object Module -EQ $script:Module
        $q.ClusterIndex | Should -Be (0..3)
        ($q | Measure-Object MemberCount -Sum).Sum | Should -Be 12
        $q | ForEach-Object { $_.IsCentroid | Should -BeTrue; $_.Method | Should -Be 'Lego'; $_.Inertia | Should -BeGreaterOrEqual 0 }
        ($q.Members | ForEach-Object { "$_" } | Sort-Object) | Should -Be (($script:Units | Where-Object Module -EQ $script:Module | ForEach-Object { "$($_.Adapter)#$($_.Index)" }) | Sort-Object)
    }

    It 'defaults K to the largest input rank of the module' {
        ($script:Units | Invoke-LoraCluster | Where-Object Module -EQ $script:Module).Count | Should -Be 4
    }

    It 'takes a hashtable of module patterns to K' {
        # fc1 matches both patterns: the first wins. head matches none: the default (largest input rank).
        $c = $script:Units | Invoke-LoraCluster -K ([ordered]@{ '*fc1' = 2; 'mlp.fc*' = 5 })
        ($c | Where-Object Module -EQ 'mlp.fc1').Count | Should -Be 2
        ($c | Where-Object Module -EQ 'mlp.fc2').Count | Should -Be 5
        ($c | Where-Object Module -EQ 'mlp.head').Count | Should -Be 4
    }

    It 'passes the units through when K is at least the pool size' {
        $c = $script:Units | Invoke-LoraCluster -K 100 -ParameterReweighting Off -OutputReweighting Off -OutputScale AsMerged
        $c.Count | Should -Be $script:Units.Count
        $m = $c | Merge-LoraAdapter -Path (Join-Path $TestDrive 'pass') -PassThru
        (Measure-LoraMerge $m (Get-LoraAdapter (Join-Path $script:Adapters '*')) -Summary).RelativeError | Should -BeLessThan 1e-6
    }

    It 'scales each module''s centroids together with -OutputScale' {
        $expected = Get-MeanDelta
        $meanNorm = Get-Norm $expected
        $raw = Join-Path $TestDrive 'lego-raw'; $scaled = Join-Path $TestDrive 'lego-mean'
        $script:Units | Invoke-LoraCluster -K 4 -Seed 3 -OutputScale AsMerged | Merge-LoraAdapter -Path $raw
        $script:Units | Invoke-LoraCluster -K 4 -Seed 3 -OutputScale MeanNorm | Merge-LoraAdapter -Path $scaled
        $r = Get-RawDelta $raw $script:Module; $m = Get-RawDelta $scaled $script:Module
        $norm = Get-Norm $m
        [math]::Abs($norm - $meanNorm) / $meanNorm | Should -BeLessThan 1e-6
        $ratio = $norm / (Get-Norm $r)
        Get-RelativeError $m ($r | ForEach-Object { $_ * $ratio }) | Should -BeLessThan 1e-6
    }

    It 'decorrelates the centroids with -Decorrelate, each keeping its cluster, as -Method LegoDecorrelated does in one step' {
        $plain = $script:Units | Invoke-LoraCluster -K 4 -Seed 3 -OutputScale AsMerged | Where-Object Module -EQ $script:Module
        $dec = $script:Units | Invoke-LoraCluster -K 4 -Seed 3 -OutputScale AsMerged -Decorrelate | Where-Object Module -EQ $script:Module
        ($dec | ForEach-Object { $_.Members -join ',' }) | Should -Be ($plain | ForEach-Object { $_.Members -join ',' })
        # Orthogonal output directions (the B columns), pairwise.
        for ($i = 0; $i -lt 4; $i++) {
            for ($j = $i + 1; $j -lt 4; $j++) {
                $bi = $dec[$i].GetB(); $bj = $dec[$j].GetB()
                $dot = 0.0; for ($x = 0; $x -lt $bi.Length; $x++) { $dot += $bi[$x] * $bj[$x] }
                [math]::Abs($dot) / ((Get-Norm $bi) * (Get-Norm $bj)) | Should -BeLessThan 1e-5
            }
        }
        $viaCluster = Join-Path $TestDrive 'dec-cluster'; $viaMethod = Join-Path $TestDrive 'dec-method'
        $script:Units | Invoke-LoraCluster -K 4 -Seed 3 -Decorrelate | Merge-LoraAdapter -Path $viaCluster
        $script:Units | Merge-LoraAdapter -Path $viaMethod -Method LegoDecorrelated -Rank 4 -Seed 3
        Get-RelativeError (Get-RawDelta $viaCluster $script:Module) (Get-RawDelta $viaMethod $script:Module) | Should -BeLessThan 1e-5
    }

    It 'refuses a K that is not a positive whole number' {
        { $script:Units | Invoke-LoraCluster -K 0 -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidRank*'
        { $script:Units | Invoke-LoraCluster -K 'many' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidRank*'
    }

    It 'is deterministic for a seed whatever the thread count' {
        $one = $script:Units | Invoke-LoraCluster -K 3 -Seed 5 -ThrottleLimit 1
        $two = $script:Units | Invoke-LoraCluster -K 3 -Seed 5 -ThrottleLimit 2
        ($one | ForEach-Object { $_.GetA() -join ',' }) | Should -Be ($two | ForEach-Object { $_.GetA() -join ',' })
    }
}

Describe 'Measure-LoraMerge' {
    It 'reports per module and takes the merged adapter from the pipeline' {
        $samples = Get-LoraAdapter (Join-Path $script:Adapters '*')
        $m = $samples | Split-LoraMsu | Merge-LoraAdapter -Path (Join-Path $TestDrive 'm') -Method Svd -Rank 2 -PassThru
        $rows = $m | Measure-LoraMerge -Source $samples
        $rows.Count | Should -Be 3
        $rows[0] | Should -BeOfType ([LoraLego.Measuring.ModuleMeasurement])
        $rows | ForEach-Object { $_.Rank | Should -Be 2; $_.RelativeError | Should -BeGreaterThan 0; $_.Sources.Count | Should -Be 3 }
        ($rows | Sort-Object RelativeError -Descending | Select-Object -First 1).RelativeError | Should -Be (($rows | Measure-Object RelativeError -Maximum).Maximum)
    }
}

Describe 'Tab completion' {
    It 'completes -Method with the merge methods' {
        $line = 'Merge-LoraAdapter -Method S'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'Svd'
    }

    It 'completes -CoreSpaceMerge with the merge methods' {
        $line = 'Merge-LoraAdapter -CoreSpaceMerge Iso'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('IsoC', 'IsoCts')
    }

    It 'completes -Module with module names of adapters loaded in the session' {
        Get-LoraAdapter (Join-Path $script:Adapters 'task-a') | Out-Null
        $line = 'Split-LoraMsu -Module mlp.fc'
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $names | Should -Be @('mlp.fc1', 'mlp.fc2')
    }

    It 'completes -Format and -DType values' {
        $line = 'Merge-LoraAdapter -DType B'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'BF16'
        $line = 'Merge-LoraAdapter -Format K'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'Kohya'
    }
}

Describe 'Views of the pipeline objects' {
    BeforeAll {
        $script:Samples = Get-LoraAdapter (Join-Path $script:Adapters '*')
        $script:Units = $script:Samples | Split-LoraMsu
        $script:Centroids = $script:Units | Invoke-LoraCluster -K 2
        $script:Merged = $script:Units | Merge-LoraAdapter -Path (Join-Path $TestDrive 'views') -Method Svd -Rank 2 -PassThru
    }

    It 'shows <Name> as a table that fits 120 columns and as a list, never printing vectors' -ForEach @(
        @{ Name = 'units'; Get = { $script:Units | Select-Object -First 3 } }
        @{ Name = 'centroids'; Get = { $script:Centroids | Select-Object -First 3 } }
        @{ Name = 'module measurements'; Get = { $script:Merged | Measure-LoraMerge -Source $script:Samples } }
        @{ Name = 'a summary'; Get = { Measure-LoraMerge $script:Merged $script:Samples -Summary } }
        @{ Name = 'source retentions'; Get = { (Measure-LoraMerge $script:Merged $script:Samples -Summary).Sources } }
    ) {
        $objects = & $Get
        $table = $objects | Format-Table | Out-String -Width 120
        $table | Should -Not -BeNullOrEmpty
        ($table -split "`n" | Where-Object { $_.TrimEnd().Length -gt 120 }) | Should -BeNullOrEmpty
        $table | Should -Not -Match 'LoraLego\.(Pipeline|Measuring)\.'
        $list = $objects | Format-List | Out-String -Width 120
        $list | Should -Not -Match 'LoraLego\.Measuring\.SourceMeasurement'
        $list | Should -Not -Match '\{-?\d+\.\d+, -?\d+\.\d+, -?\d+\.\d+'
    }

    It 'uses its own table view for units by default' {
        $default = $script:Units | Select-Object -First 2 | Out-String -Width 120
        $default | Should -Match 'Adapter\s+Module\s+Index\s+Scale\s+Norm\s+Method\s+Members'
    }
}
