BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Adapters = Join-Path $script:SamplesPath 'adapters'

    # Tensor names straight from a safetensors header, without the module's code.
    function Get-HeaderKey([string] $File) {
        $bytes = [System.IO.File]::ReadAllBytes($File)
        $n = [System.BitConverter]::ToUInt64($bytes, 0)
        $header = [System.Text.Encoding]::UTF8.GetString($bytes, 8, [int]$n) | ConvertFrom-Json -AsHashtable
        $header.Keys | Where-Object { $_ -ne '__metadata__' }
    }
}

Describe 'Get-LoraAdapter on the samples' {
    It 'loads the three samples with their ranks and alphas' {
        $a = Get-LoraAdapter -Path (Join-Path $script:Adapters '*')
        $a.Name | Should -Be @('task-a', 'task-b', 'task-c')
        $a | ForEach-Object { $_ | Should -BeOfType ([LoraLego.Adapters.LoraAdapter]) }
        # Written by the project's AdapterWriter, which folds each LoRA's scale into its factors (lora_alpha = r).
        ($a | ForEach-Object Rank) | Should -Be @('4', '4', '4')
        ($a | ForEach-Object Alpha) | Should -Be @(4, 4, 4)
        ($a | ForEach-Object { $_.Modules[0].Scale }) | Should -Be @(1, 1, 1)
        $a | ForEach-Object { $_.ModuleCount | Should -Be 3 }
    }

    It 'resolves wildcards inside names' {
        $a = Get-LoraAdapter (Join-Path $script:Adapters 'task-[ab]')
        $a.Name | Should -Be @('task-a', 'task-b')
    }

    It 'takes folders piped from Get-ChildItem (PSPath binds to -LiteralPath)' {
        $a = Get-ChildItem $script:Adapters -Directory | Get-LoraAdapter
        $a.Name | Should -Be @('task-a', 'task-b', 'task-c')
        $a[0].Path | Should -Be (Join-Path $script:Adapters 'task-a')
    }

    It 'takes files piped from Get-ChildItem' {
        $a = Get-ChildItem $script:Adapters -Recurse -Filter adapter_model.safetensors | Get-LoraAdapter
        $a.Count | Should -Be 3
        # -Recurse lists folders in file-system order, which is not sorted on every platform.
        ($a.Name | Sort-Object) | Should -Be @('task-a', 'task-b', 'task-c')
    }

    It 'reads -LiteralPath without wildcard expansion' {
        $odd = Join-Path $TestDrive 'odd[1]'
        New-Item -ItemType Directory -Path $odd | Out-Null
        Get-ChildItem (Join-Path $script:Adapters 'task-b') | ForEach-Object { Copy-Item -LiteralPath $_.FullName -Destination $odd }
        $a = Get-LoraAdapter -LiteralPath $odd
        $a.Name | Should -Be 'odd[1]'
        $a.Rank | Should -Be '4'
    }

    It 'names the adapter with -Name' {
        (Get-LoraAdapter (Join-Path $script:Adapters 'task-c') -Name 'c4').Name | Should -Be 'c4'
    }

    It 'declares its output type' {
        (Get-Command Get-LoraAdapter).OutputType.Type | Should -Contain ([LoraLego.Adapters.LoraAdapter])
    }
}

Describe 'Get-LoraAdapter errors' {
    BeforeAll {
        $script:Broken = Join-Path $TestDrive 'broken'
        New-Item -ItemType Directory -Path $script:Broken | Out-Null
        Copy-Item (Join-Path $script:Adapters 'task-a/adapter_model.safetensors') $script:Broken
        Set-Content -Path (Join-Path $script:Broken 'adapter_config.json') -Value '{"peft_type": "LORA", "r": '
        $script:Pickle = Join-Path $TestDrive 'pickle'
        New-Item -ItemType Directory -Path $script:Pickle | Out-Null
        Copy-Item (Join-Path $script:Adapters 'task-a/adapter_config.json') $script:Pickle
        [System.IO.File]::WriteAllBytes((Join-Path $script:Pickle 'adapter_model.bin'), [byte[]](0x80, 0x02))
    }

    It 'writes one error for a broken adapter while the other inputs load' {
        $inputs = (Join-Path $script:Adapters 'task-a'), $script:Broken, (Join-Path $script:Adapters 'task-c')
        $out = Get-LoraAdapter -Path $inputs -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.Name | Should -Be @('task-a', 'task-c')
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'AdapterConfigInvalid,*'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject | Should -Be $script:Broken
        $errs[0].Exception.Message | Should -BeLike '*adapter_config.json*'
    }

    It 'reports a pickled adapter as LegacyPickleAdapter with the way to convert it' {
        Get-LoraAdapter $script:Pickle -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'LegacyPickleAdapter,*'
        $errs[0].Exception.Message | Should -BeLike '*safe_serialization=True*'
    }

    It 'reports a path that matches nothing' {
        Get-LoraAdapter (Join-Path $TestDrive 'nothing*') -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }

    It 'reports a safetensors file that is not an adapter' {
        $file = Join-Path $TestDrive 'short.safetensors'
        [System.IO.File]::WriteAllBytes($file, [byte[]](1, 2, 3))
        Get-LoraAdapter -LiteralPath $file -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'SafeTensors*'
        $errs[0].TargetObject | Should -Be $file
    }
}

Describe 'Get-LoraAdapter on the real adapters' {
    BeforeDiscovery {
        . (Join-Path $PSScriptRoot 'common.ps1')
        $fixtures = if ($script:HasRealFixtures) {
            Get-ChildItem (Join-Path $script:RealFixtures '*/*/adapter_config.json') | ForEach-Object { @{ Folder = $_.Directory.FullName; Name = $_.Directory.Name } }
        }
        else {
            Write-Warning "Real fixtures not found at $($script:RealFixtures): the real-adapter tests of Get-LoraAdapter are skipped."
            @(@{ Folder = ''; Name = 'none' })
        }
    }

    It '<Name> loads with the rank, alpha, scale, modules and extra tensors its files imply' -ForEach $fixtures -Skip:(-not $script:HasRealFixtures) {
        $config = Get-Content -Raw (Join-Path $Folder 'adapter_config.json') | ConvertFrom-Json
        $keys = @(Get-HeaderKey (Join-Path $Folder 'adapter_model.safetensors'))
        $a = Get-LoraAdapter -LiteralPath $Folder
        $a.Format | Should -Be 'Peft'
        $a.Rank | Should -Be "$($config.r)"
        $a.Alpha | Should -Be $config.lora_alpha
        $a.ModuleCount | Should -Be @($keys | Where-Object { $_ -like '*.lora_A.weight' }).Count
        $a.Modules | ForEach-Object { $_.Scale | Should -Be ($config.lora_alpha / $config.r) }
        @($a.ExtraTensors.Name) | Should -Be @($keys | Where-Object { $_ -notlike '*.lora_*' } | Sort-Object)
        $a.FanInFanOut | Should -Be $config.fan_in_fan_out
    }

    It 'loads all real adapters through one wildcard' -Skip:(-not $script:HasRealFixtures) {
        @(Get-LoraAdapter (Join-Path $script:RealFixtures '*/*')).Count | Should -Be 6
    }
}

Describe 'Views' {
    BeforeAll {
        $script:All = @(Get-LoraAdapter (Join-Path $script:Adapters '*'))
        if ($script:HasRealFixtures) { $script:All += Get-LoraAdapter (Join-Path $script:RealFixtures '*/*') }
    }

    It 'shows adapters as a table that fits 120 columns with readable sizes' {
        $text = $script:All | Format-Table | Out-String -Width 120
        $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^Name\s+Format\s+Family\s+Components\s+Rank\s+Alpha\s+Modules\s+Parameters\s+DType\s+Size'
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 120 }
        $text | Should -Match 'task-a\s+Peft\s+Transformers\s+4\s+4\s+3\s+1,192\s+F32\s+5\.3 KB'
        if ($script:HasRealFixtures) { $text | Should -Match 'flowers\s+Peft\s+StableDiffusion1\s+unet\s+4\s+16\s' }
        $text | Should -Not -Match '\d\.\d{5,}'
    }

    It 'shows the list view with shapes of extra tensors, not their values' {
        $text = $script:All[0] | Format-List | Out-String -Width 120
        $text | Should -Match 'TargetModules\s*:\s*fc1, fc2, head'
        $text | Should -Match 'Family\s*:\s*Transformers'
        $text | Should -Match 'Components\s*:\s*\(the model itself\)'
        $text | Should -Match 'Scale\s*:\s*1'
        if ($script:HasRealFixtures) {
            $emotion = Get-LoraAdapter (Join-Path $script:RealFixtures 'gpt2/emotion-cls') | Format-List | Out-String -Width 200
            $emotion | Should -Match 'ExtraTensors\s*:\s*base_model\.model\.score\.weight F32\[6, 768\]'
        }
    }

    It 'shows modules as a table of shapes, ranks and scales without raw vectors' {
        $text = $script:All[2].Modules | Format-Table | Out-String -Width 120
        $text | Should -Match 'Name\s+Kind\s+Network\s+In\s+Out\s+Rank\s+Alpha\s+Scale'
        $text | Should -Match 'mlp\.fc1\s+Linear\s+Lora\s+32\s+64\s+4\s+4\s+1'
        $text | Should -Not -Match '\d\.\d{5,}'
        $text | Should -Not -Match '\{'
        ($script:All[2].Modules[0] | Format-List | Out-String) | Should -Match 'AShape\s*:\s*\[4, 32\]'
    }
}
