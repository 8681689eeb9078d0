BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    # Random but valid float32 values (|x| < 0.05), made once and reused, so big adapters are cheap to write.
    $script:Pattern = & {
        $random = [Random]::new(20261124)
        $values = [float[]]::new(65521)
        for ($i = 0; $i -lt $values.Length; $i++) { $values[$i] = [float](($random.NextDouble() - 0.5) / 10) }
        , $values
    }

    function New-Values([long] $Count, [int] $Seed) {
        $values = [float[]]::new($Count)
        $p = $script:Pattern
        for ($done = 0L; $done -lt $Count; ) {
            $from = ($Seed * 7919 + $done) % $p.Length
            $n = [Math]::Min($p.Length - $from, $Count - $done)
            [Array]::Copy($p, $from, $values, $done, $n)
            $done += $n
        }
        , $values
    }

    <#
        A PEFT adapter written byte by byte (not with LoraLego's writer): adapter_config.json and
        adapter_model.safetensors with one linear module per name. -Poke sets single values, e.g.
        @{ 'base_model.model.m.lora_B.weight' = @{ 5 = [float]::NaN } }.
    #>
    function New-PeftAdapter {
        param(
            [Parameter(Mandatory)] [string] $Path,
            [Parameter(Mandatory)] [string[]] $Modules,
            [int] $Rank = 4, [int] $In = 16, [int] $Out = 16, [double] $Alpha = 8,
            [string] $BaseModel = 'test/base', [int] $Seed = 1, [hashtable] $Poke = @{}
        )
        New-Item -ItemType Directory -Path $Path -Force | Out-Null
        $tensors = [ordered]@{}
        $k = 0
        foreach ($m in $Modules) {
            foreach ($t in @(@{ Key = "base_model.model.$m.lora_A.weight"; Shape = @($Rank, $In) }, @{ Key = "base_model.model.$m.lora_B.weight"; Shape = @($Out, $Rank) })) {
                $values = New-Values ([long]$t.Shape[0] * $t.Shape[1]) ($Seed * 1000 + $k++)
                if ($Poke.ContainsKey($t.Key)) { foreach ($i in $Poke[$t.Key].Keys) { $values[$i] = $Poke[$t.Key][$i] } }
                $tensors[$t.Key] = @{ Shape = $t.Shape; Values = $values }
            }
        }
        $null = Write-SafeTensorsFile -Path (Join-Path $Path 'adapter_model.safetensors') -Tensors $tensors -Metadata ([ordered]@{ format = 'pt' })
        [ordered]@{
            peft_type = 'LORA'; r = $Rank; lora_alpha = $Alpha; target_modules = @('q_proj', 'v_proj')
            base_model_name_or_path = $BaseModel; task_type = 'CAUSAL_LM'
        } | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $Path 'adapter_config.json') -NoNewline
        Get-Item -LiteralPath $Path
    }

    # Path, SHA-256 and LastWriteTimeUtc of every file under a folder.
    function Get-Snapshot([string] $Folder) {
        Get-ChildItem -LiteralPath $Folder -Recurse -File | Sort-Object FullName | ForEach-Object {
            [pscustomobject]@{ Path = $_.FullName; Sha = (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash; Written = $_.LastWriteTimeUtc }
        }
    }

    # Entries of a folder: outputs and any hidden staging or temp files.
    function Get-Entry([string] $Folder) { @(Get-ChildItem -LiteralPath $Folder -Force | ForEach-Object Name | Sort-Object) }

    $script:Modules = 0..3 | ForEach-Object { "model.layers.$_.self_attn.q_proj" }
}

Describe 'Inputs are read, never written' {
    BeforeAll {
        $script:In = Join-Path $TestDrive 'inputs'
        Copy-Item -Path (Join-Path $script:SamplesPath 'adapters') -Destination $script:In -Recurse
        $script:Before = Get-Snapshot $script:In
        # Let any timestamp change show: the cmdlets run well after the copies were written.
        Start-Sleep -Milliseconds 50
    }

    It 'leaves bytes and timestamps of every input unchanged through all five cmdlets, while another reader holds the files' {
        # Held open read-only, sharing reads only: an engine that opened inputs for writing or exclusively would fail here.
        $held = Get-ChildItem -LiteralPath $script:In -Recurse -File | ForEach-Object { [IO.File]::Open($_.FullName, 'Open', 'Read', 'Read') }
        try {
            $adapters = Get-LoraAdapter (Join-Path $script:In '*')
            $adapters.Count | Should -Be 3
            $units = $adapters | Split-LoraMsu
            $centroids = $units | Invoke-LoraCluster -K 4 -Seed 1
            $merged = $units | Merge-LoraAdapter -Path (Join-Path $TestDrive 'concat') -Method Concat -PassThru
            $null = $centroids | Merge-LoraAdapter -Path (Join-Path $TestDrive 'lego')
            $null = $units | Merge-LoraAdapter -Path (Join-Path $TestDrive 'ties') -Method Ties -Rank 4
            $measured = Measure-LoraMerge -Merged $merged -Source $adapters -Summary
            $measured | Should -Not -BeNullOrEmpty
        }
        finally { $held | ForEach-Object Dispose }

        $after = Get-Snapshot $script:In
        $after.Count | Should -Be $script:Before.Count
        for ($i = 0; $i -lt $after.Count; $i++) {
            $after[$i].Path | Should -Be $script:Before[$i].Path
            $after[$i].Sha | Should -Be $script:Before[$i].Sha -Because "$($after[$i].Path) must keep its bytes"
            $after[$i].Written | Should -Be $script:Before[$i].Written -Because "$($after[$i].Path) must keep its timestamp"
        }
        # Nothing was added beside the inputs either (no temp files, no outputs).
        (Get-ChildItem -LiteralPath $script:In -Recurse -Force).Count | Should -Be ((Get-ChildItem -LiteralPath (Join-Path $script:SamplesPath 'adapters') -Recurse -Force).Count)
    }

    It 'refuses to write over an input (OutputIsInput) and leaves it intact' {
        $units = Get-LoraAdapter (Join-Path $script:In '*') | Split-LoraMsu
        $target = Join-Path $script:In 'task-a'
        $units | Merge-LoraAdapter -Path $target -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputIsInput*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $after = Get-Snapshot $script:In
        ($after | ForEach-Object Sha) | Should -Be ($script:Before | ForEach-Object Sha)
    }

    It 'also refuses a kohya output file that is an input tensor file' {
        $units = Get-LoraAdapter (Join-Path $script:In 'task-b') | Split-LoraMsu
        $target = Join-Path $script:In 'task-b/adapter_model.safetensors'
        $units | Merge-LoraAdapter -Path $target -Format Kohya -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputIsInput*'
        (Get-FileHash -LiteralPath $target).Hash | Should -Be ($script:Before | Where-Object Path -EQ $target).Sha
    }
}

Describe 'Mismatched inputs' {
    It 'fails on a module whose shapes differ, naming the module, both adapters and both shapes, and writes nothing' {
        $a = New-PeftAdapter -Path (Join-Path $TestDrive 'wide') -Modules $script:Modules -In 16 -Out 16
        $b = New-PeftAdapter -Path (Join-Path $TestDrive 'narrow') -Modules $script:Modules[0], 'model.layers.9.mlp' -In 16 -Out 8 -Seed 2
        $target = Join-Path $TestDrive 'mismatch-out'
        Get-LoraAdapter $a.FullName, $b.FullName | Split-LoraMsu | Merge-LoraAdapter -Path $target -ErrorVariable err -ErrorAction SilentlyContinue

        $shape = @($err | Where-Object { $_.FullyQualifiedErrorId -like 'ModuleShapeMismatch*' })
        $shape.Count | Should -Be 1 -Because 'one error per module and adapter, not one per unit'
        $message = $shape[0].Exception.Message
        $message | Should -Match ([regex]::Escape($script:Modules[0]))
        $message | Should -Match "'wide'"
        $message | Should -Match "'narrow'"
        $message | Should -Match '16×16'
        $message | Should -Match '8×16'
        $shape[0].CategoryInfo.Category | Should -Be 'InvalidData'
        ($err | Where-Object { $_.FullyQualifiedErrorId -like 'MergeFailed*' }) | Should -Not -BeNullOrEmpty
        Test-Path $target | Should -BeFalse
        Get-Entry $TestDrive | Where-Object { $_ -like '.mismatch-out*' } | Should -BeNullOrEmpty
    }

    It 'warns when base models differ but shapes agree, and merges' {
        $a = New-PeftAdapter -Path (Join-Path $TestDrive 'base-a') -Modules $script:Modules -BaseModel 'org/model-a'
        $b = New-PeftAdapter -Path (Join-Path $TestDrive 'base-b') -Modules $script:Modules -BaseModel 'org/model-b' -Seed 2
        $target = Join-Path $TestDrive 'bases-out'
        $merged = Get-LoraAdapter $a.FullName, $b.FullName | Split-LoraMsu | Merge-LoraAdapter -Path $target -Method Concat -PassThru -WarningVariable warn -WarningAction SilentlyContinue
        $merged.ModuleCount | Should -Be 4
        $merged.Rank | Should -Be '8'
        $text = $warn -join "`n"
        $text | Should -Match 'different base models'
        $text | Should -Match 'org/model-a'
        $text | Should -Match 'org/model-b'
    }

    It 'warns at load time about rank_pattern keys that match no module' {
        $a = New-PeftAdapter -Path (Join-Path $TestDrive 'pattern') -Modules $script:Modules
        $config = Get-Content -Raw (Join-Path $a 'adapter_config.json') | ConvertFrom-Json -AsHashtable
        $config.rank_pattern = @{ 'k_proj' = 16 }
        $config | ConvertTo-Json | Set-Content (Join-Path $a 'adapter_config.json')
        $loaded = Get-LoraAdapter $a.FullName -WarningVariable warn -WarningAction SilentlyContinue
        $loaded.ModuleCount | Should -Be 4
        $warn.Count | Should -Be 1
        "$($warn[0])" | Should -Match "rank_pattern key 'k_proj' matches none"
    }
}

Describe 'Non-finite weights' {
    BeforeAll {
        $key = "base_model.model.$($script:Modules[2]).lora_B.weight"
        $script:Bad = New-PeftAdapter -Path (Join-Path $TestDrive 'nan') -Modules $script:Modules -Poke @{ $key = @{ 5 = [float]::NaN; 9 = [float]::PositiveInfinity } }
        $script:Good = New-PeftAdapter -Path (Join-Path $TestDrive 'fine') -Modules $script:Modules -Seed 3
        $script:BadKey = $key
    }

    It 'refuses them with NonFiniteWeights naming adapter, module and tensor, and writes nothing' {
        $target = Join-Path $TestDrive 'nan-out'
        Get-LoraAdapter $script:Good.FullName, $script:Bad.FullName | Split-LoraMsu | Merge-LoraAdapter -Path $target -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NonFiniteWeights*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].Exception.Message | Should -Match "adapter 'nan'"
        $err[0].Exception.Message | Should -Match ([regex]::Escape("module '$($script:Modules[2])'"))
        $err[0].Exception.Message | Should -Match ([regex]::Escape($script:BadKey))
        $err[0].Exception.Message | Should -Match '2 non-finite'
        Test-Path $target | Should -BeFalse
        Get-Entry $TestDrive | Where-Object { $_ -like '.nan-out*' } | Should -BeNullOrEmpty
    }

    It 'merges them with -Method Concat -Force, with a warning' {
        $target = Join-Path $TestDrive 'nan-forced'
        $merged = Get-LoraAdapter $script:Good.FullName, $script:Bad.FullName | Split-LoraMsu |
            Merge-LoraAdapter -Path $target -Method Concat -Force -PassThru -WarningVariable warn -WarningAction SilentlyContinue
        $merged.ModuleCount | Should -Be 4
        ($warn -join "`n") | Should -Match ([regex]::Escape($script:BadKey))
    }

    It 'refuses -Force with a method that decomposes the inputs, naming the way out, and writes nothing' {
        $target = Join-Path $TestDrive 'nan-forced-isoc'
        Get-LoraAdapter $script:Good.FullName, $script:Bad.FullName | Split-LoraMsu |
            Merge-LoraAdapter -Path $target -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NonFiniteWeights*'
        $err[0].Exception.Message | Should -Match 'IsoC'
        $err[0].Exception.Message | Should -Match '-Method Concat -Force'
        Test-Path $target | Should -BeFalse
    }
}

Describe 'Outputs appear whole or not at all' {
    It '-WhatIf creates nothing' {
        $target = Join-Path $TestDrive 'whatif-out'
        Get-LoraAdapter (Join-Path $script:SamplesPath 'adapters/*') | Split-LoraMsu | Merge-LoraAdapter -Path $target -WhatIf
        Test-Path $target | Should -BeFalse
        Get-Entry $TestDrive | Where-Object { $_ -like '*whatif-out*' } | Should -BeNullOrEmpty
    }

    It 'a merge whose module fails half way writes nothing (MergeFailed)' {
        $a = New-PeftAdapter -Path (Join-Path $TestDrive 'half-a') -Modules $script:Modules
        $b = New-PeftAdapter -Path (Join-Path $TestDrive 'half-b') -Modules $script:Modules -Seed 2
        $target = Join-Path $TestDrive 'half-out'
        # Dropping one unit of one module of one adapter leaves that module with ranks 4 and 3: the
        # linear method refuses that module only, after the others merged.
        Get-LoraAdapter $a.FullName, $b.FullName | Split-LoraMsu |
            Where-Object { -not ($_.Adapter -eq 'half-b' -and $_.Module -eq $script:Modules[3] -and $_.Index -eq 0) } |
            Merge-LoraAdapter -Path $target -Method Linear -ErrorVariable err -ErrorAction SilentlyContinue
        ($err | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }) | Should -Contain 'LinearMergeRankMismatch'
        ($err | Where-Object FullyQualifiedErrorId -Like 'MergeFailed*') | Should -Not -BeNullOrEmpty
        Test-Path $target | Should -BeFalse
        Get-Entry $TestDrive | Where-Object { $_ -like '.half-out*' } | Should -BeNullOrEmpty
    }

    It 'Ctrl+C during the write leaves no output folder and no temporary files' {
        # Two adapters of 48 modules, rank 16, 1024×1024: ~12 MiB each, so the write takes a while.
        $names = 0..47 | ForEach-Object { "model.layers.$_.mlp.down_proj" }
        $a = New-PeftAdapter -Path (Join-Path $TestDrive 'big-a') -Modules $names -Rank 16 -In 1024 -Out 1024
        $b = New-PeftAdapter -Path (Join-Path $TestDrive 'big-b') -Modules $names -Rank 16 -In 1024 -Out 1024 -Seed 2
        $outDir = Join-Path $TestDrive 'stop'
        New-Item -ItemType Directory -Path $outDir | Out-Null
        $target = Join-Path $outDir 'merged'

        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module, $A, $B, $Target)
                    Import-Module $Module
                    Get-LoraAdapter $A, $B | Split-LoraMsu | Merge-LoraAdapter -Path $Target -Method Concat
                }).AddArgument((Join-Path $script:ModulePath 'LoraLego.psd1')).AddArgument($a.FullName).AddArgument($b.FullName).AddArgument($target)
            $async = $ps.BeginInvoke()
            # Stop once the hidden staging folder exists: the output is being written right now.
            $clock = [Diagnostics.Stopwatch]::StartNew()
            while (-not $async.IsCompleted -and -not (Get-ChildItem -LiteralPath $outDir -Force) -and $clock.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 5 }
            $sawStaging = [bool](Get-ChildItem -LiteralPath $outDir -Force)
            $ps.Stop()
            try { $null = $ps.EndInvoke($async) } catch { $_.Exception.InnerException ?? $_.Exception | Should -BeOfType ([Management.Automation.PipelineStoppedException]) }
            $sawStaging | Should -BeTrue -Because 'the stop must land while the output is being written'
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }

        Test-Path $target | Should -BeFalse
        Get-Entry $outDir | Should -BeNullOrEmpty
        Get-Entry $TestDrive | Where-Object { $_ -like '.*.tmp' } | Should -BeNullOrEmpty
    }
}
