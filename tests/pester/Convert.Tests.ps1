BeforeDiscovery {
    $script:HasRealFixtures = Test-Path (Join-Path $PSScriptRoot '../../../shared/fixtures/real')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:Sd = Join-Path $script:SamplesPath 'sd15'
    $script:Kohya = Join-Path $script:Sd 'watercolor-kohya.safetensors'
    $script:Diffusers = Join-Path $script:Sd 'detail-diffusers.safetensors'

    # The header of a safetensors file, read from the bytes (not through the module).
    function Read-Header([string] $File) {
        $bytes = [IO.File]::ReadAllBytes($File)
        $n = [BitConverter]::ToUInt64($bytes, 0)
        [Text.Encoding]::UTF8.GetString($bytes, 8, [int]$n) | ConvertFrom-Json -AsHashtable
    }

    # Every module's A and B as read by the module, for bitwise comparison.
    function Get-Factors($Adapter) {
        foreach ($m in $Adapter.Modules) { $u = $m.ReadUnits(1.0); [pscustomobject]@{ Name = $m.Name; Scale = $m.Scale; A = $u.A; BT = $u.BT } }
    }

    function Assert-SameFactors($Expected, $Actual) {
        $e = @(Get-Factors $Expected); $a = @(Get-Factors $Actual)
        ($a | ForEach-Object Name) | Should -Be ($e | ForEach-Object Name)
        for ($i = 0; $i -lt $e.Count; $i++) {
            $a[$i].Scale | Should -Be $e[$i].Scale
            [Linq.Enumerable]::SequenceEqual([float[]]$a[$i].A, [float[]]$e[$i].A) | Should -BeTrue -Because "$($e[$i].Name) A"
            [Linq.Enumerable]::SequenceEqual([float[]]$a[$i].BT, [float[]]$e[$i].BT) | Should -BeTrue -Because "$($e[$i].Name) B"
        }
    }
}

Describe 'Convert-LoraAdapter' {
    It 'writes a kohya file as diffusers with component prefixes and exact alpha, and back, bit for bit' {
        $source = Get-LoraAdapter $script:Kohya
        $d = $source | Convert-LoraAdapter -Destination (Join-Path $TestDrive 'w.safetensors') -Format Diffusers -PassThru
        $d.Format | Should -Be 'Diffusers'
        $d.Family | Should -Be 'StableDiffusion1'
        $header = Read-Header $d.Path
        @($header.Keys | Where-Object { $_ -ne '__metadata__' -and $_ -notmatch '^(unet|text_encoder)\..+\.lora_[AB]\.weight$' }) | Should -BeNullOrEmpty
        $meta = $header.__metadata__.lora_adapter_metadata | ConvertFrom-Json -AsHashtable
        ($meta['unet.r'], $meta['unet.lora_alpha'], $meta['text_encoder.lora_alpha']) | Should -Be @(4, 2, 2)
        Assert-SameFactors $source $d

        $back = $d | Convert-LoraAdapter -Destination (Join-Path $TestDrive 'back.safetensors') -Format Kohya -PassThru
        Assert-SameFactors $source $back
    }

    It 'carries the training description, writes the network''s own, and records the source' {
        $k = Convert-LoraAdapter -Path $script:Diffusers -Destination (Join-Path $TestDrive 'd.safetensors') -Format Kohya -PassThru
        $k.Training.NetworkDim | Should -Be '2'
        $k.Training.NetworkAlpha | Should -Be '4'
        $k.Training.BaseModelVersion | Should -Be 'sd_v1'
        $k.Metadata['loralego.converted_from'] | Should -Be 'detail-diffusers'
        $k.Metadata['loralego.source_sha256'] | Should -Be (Get-FileHash -Algorithm SHA256 $script:Diffusers).Hash.ToLowerInvariant()

        $w = Get-LoraAdapter $script:Kohya | Convert-LoraAdapter -Destination (Join-Path $TestDrive 'w2.safetensors') -Format Kohya -DType BF16 -PassThru
        $w.DType | Should -Be 'BF16'
        ($w.Training.TopTags | Select-Object -First 2 | ForEach-Object Tag) | Should -Be @('watercolor', '1girl')
        $w.Training.Epochs | Should -Be 10
    }

    It 'refuses a PEFT folder for two components unless -Component picks one' {
        $source = Get-LoraAdapter $script:Kohya
        $out = Join-Path $TestDrive 'peft'
        $source | Convert-LoraAdapter -Destination $out -Format Peft -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputSpansComponents*'
        $err[0].Exception.Message | Should -Match '-Component'
        Test-Path $out | Should -BeFalse

        $unet = $source | Convert-LoraAdapter -Destination $out -Format Peft -Component unet -PassThru
        $unet.ModuleCount | Should -Be 8
        $config = Get-Content -Raw (Join-Path $out 'adapter_config.json') | ConvertFrom-Json
        ($config.r, $config.lora_alpha) | Should -Be @(4, 2)
        $config.target_modules | Should -Contain 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q'
    }

    It 'writes nothing with -WhatIf, refuses an existing output without -Force' {
        $out = Join-Path $TestDrive 'whatif.safetensors'
        Convert-LoraAdapter -Path $script:Kohya -Destination $out -Format Diffusers -WhatIf
        Test-Path $out | Should -BeFalse

        Convert-LoraAdapter -Path $script:Kohya -Destination $out -Format Diffusers
        $before = (Get-FileHash $out).Hash
        Convert-LoraAdapter -Path $script:Diffusers -Destination $out -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputExists*'
        (Get-FileHash $out).Hash | Should -Be $before
        Convert-LoraAdapter -Path $script:Diffusers -Destination $out -Force
        (Get-FileHash $out).Hash | Should -Not -Be $before
    }

    It 'refuses kohya and diffusers for a transformers model, and a second adapter for one destination' {
        $mlp = Get-LoraAdapter (Join-Path $script:SamplesPath 'adapters/*')
        $out = Join-Path $TestDrive 'mlp.safetensors'
        $mlp[0] | Convert-LoraAdapter -Destination $out -Format Kohya -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputNameUnmapped*'
        Test-Path $out | Should -BeFalse

        $mlp | Convert-LoraAdapter -Destination (Join-Path $TestDrive 'one') -ErrorVariable err2 -ErrorAction SilentlyContinue
        @($err2 | Where-Object FullyQualifiedErrorId -Like 'ConvertOneAdapter*').Count | Should -Be 2
        (Get-LoraAdapter (Join-Path $TestDrive 'one')).Name | Should -Be 'one'
    }

    It 'converts every real fixture to PEFT and back without changing a factor' -Skip:(-not $script:HasRealFixtures) {
        foreach ($fixture in Get-ChildItem (Join-Path $script:RealFixtures '*/*') -Directory) {
            $source = Get-LoraAdapter $fixture.FullName
            $name = "$($fixture.Parent.Name)-$($fixture.Name)"
            $format = if ($source.Family -eq 'Transformers') { 'Peft' } else { 'Kohya' }
            $mid = $source | Convert-LoraAdapter -Destination (Join-Path $TestDrive "$name-mid.safetensors") -Format $format -PassThru
            $back = $mid | Convert-LoraAdapter -Destination (Join-Path $TestDrive "$name-back") -Format Peft -PassThru
            Assert-SameFactors $source $back
        }
    }
}
