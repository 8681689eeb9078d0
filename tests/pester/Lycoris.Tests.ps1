BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    # A kohya-style file: key -> shape; values deterministic in [-0.5, 0.5), alphas (rank-0 shapes) 2.
    function New-KohyaFile([string] $Path, [System.Collections.Specialized.OrderedDictionary] $Shapes) {
        $tensors = [ordered]@{}
        $seed = 1
        foreach ($key in $Shapes.Keys) {
            $shape = @($Shapes[$key])
            $count = 1L
            foreach ($d in $shape) { $count *= $d }
            $values = [float[]]::new($count)
            $random = [Random]::new($seed++)
            for ($i = 0; $i -lt $count; $i++) { $values[$i] = if ($shape.Count -eq 0) { 2 } else { [float]($random.NextDouble() - 0.5) } }
            $tensors[$key] = @{ Shape = $shape; Values = $values }
        }
        Write-SafeTensorsFile -Path $Path -Tensors $tensors
    }

    $script:Q = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q'
    $script:Conv = 'lora_unet_down_blocks_0_resnets_0_conv1'
    $script:Conv2 = 'lora_unet_down_blocks_1_resnets_0_conv1'
}

Describe 'LyCORIS files through the pipeline' {
    It 'reads a LoKr file as LoRA units: Get-LoraAdapter | Split-LoraMsu gives rank(w1)·rank(w2) units per module, and they merge' {
        $file = New-KohyaFile (Join-Path $TestDrive 'lokr.safetensors') ([ordered]@{
                "$Q.lokr_w1"      = @(2, 2)          # full: rank 2
                "$Q.lokr_w2_a"    = @(3, 4)          # w2 = w2_a · w2_b of rank 4
                "$Q.lokr_w2_b"    = @(4, 5)
                "$Q.alpha"        = @()
                "$Conv.lokr_w1"   = @(2, 2)
                "$Conv.lokr_w2_a" = @(4, 3)          # Tucker: w2_a [r, out_k], core [r, r, 3, 3], w2_b [r, in_k]
                "$Conv.lokr_t2"   = @(4, 4, 3, 3)
                "$Conv.lokr_w2_b" = @(4, 4)
                "$Conv.alpha"     = @()
            })
        $adapter = Get-LoraAdapter $file
        $adapter.NetworkTypes | Should -Be @('LoKr')
        $q = $adapter.Modules | Where-Object StoredName -EQ $Q
        $conv = $adapter.Modules | Where-Object StoredName -EQ $Conv
        ($q.NetworkType, $q.Rank, $q.InFeatures, $q.OutFeatures, $q.Scale) | Should -Be @('LoKr', 8, 10, 6, 0.5)
        ($conv.Kind, $conv.Rank, $conv.InFeatures, $conv.OutFeatures, $conv.Scale) | Should -Be @('Conv', 8, 72, 6, 0.5)
        $conv.AShape | Should -Be @(8, 8, 3, 3)

        $units = $adapter | Split-LoraMsu
        $units.Count | Should -Be 16
        @($units | Where-Object Module -EQ $q.Name).Count | Should -Be 8
        $merged = $units | Merge-LoraAdapter -Path (Join-Path $TestDrive 'merged') -Method Concat -PassThru
        ($merged.Modules | Measure-Object Rank -Sum).Sum | Should -Be 16
        # The merged plain LoRA carries the same deltas: Measure-LoraMerge finds no difference.
        $m = @(Measure-LoraMerge -Merged $merged -Source $adapter)
        $m.Count | Should -Be 2
        $m | ForEach-Object { $_.RelativeError | Should -BeLessThan 1e-5 }
    }

    It 'writes a LoHa on a 3×3 conv (stored flat) and a LoCon with a Tucker core as a kohya file with conv-shaped factors and the same deltas' {
        $file = New-KohyaFile (Join-Path $TestDrive 'lohaconv.safetensors') ([ordered]@{
                "$Conv.hada_w1_a"  = @(320, 2)     # SD 1.x down_blocks.0.resnets.0.conv1: conv 3×3, 320 -> 320
                "$Conv.hada_w1_b"  = @(2, 2880)
                "$Conv.hada_w2_a"  = @(320, 2)
                "$Conv.hada_w2_b"  = @(2, 2880)
                "$Conv.alpha"      = @()
                "$Q.lora_down.weight" = @(2, 320)
                "$Q.lora_up.weight"   = @(320, 2)
                "$Q.alpha"            = @()
                "$Conv2.lora_down.weight" = @(2, 320, 1, 1)   # down_blocks.1.resnets.0.conv1: 3×3, 320 -> 640
                "$Conv2.lora_mid.weight"  = @(2, 2, 3, 3)
                "$Conv2.lora_up.weight"   = @(640, 2, 1, 1)
            })
        $adapter = Get-LoraAdapter $file
        $adapter.NetworkTypes | Should -Be @('Lora', 'LoCon', 'LoHa')
        $conv = $adapter.Modules | Where-Object NetworkType -EQ 'LoHa'
        ($conv.Kind, $conv.Rank) | Should -Be @('Conv', 4)
        $conv.AShape | Should -Be @(4, 320, 3, 3)

        $out = Join-Path $TestDrive 'lohaconv-kohya.safetensors'
        $merged = $adapter | Split-LoraMsu | Merge-LoraAdapter -Path $out -Method Concat -Format Kohya -PassThru
        $written = $merged.Modules | Where-Object Name -EQ $conv.Name
        $written.AShape | Should -Be @(4, 320, 3, 3)
        $written.BShape | Should -Be @(320, 4, 1, 1)
        $m = @(Measure-LoraMerge -Merged $merged -Source $adapter)
        ($merged.Modules | Where-Object Name -Like '*down_blocks.1.resnets.0.conv1').AShape | Should -Be @(2, 320, 3, 3)
        $m.Count | Should -Be 3
        $m | ForEach-Object { $_.RelativeError | Should -BeLessThan 1e-5 }
    }

    It 'refuses an OFT file with AdapterTypeNotSupported, naming the module and the reason' {
        $file = New-KohyaFile (Join-Path $TestDrive 'oft.safetensors') ([ordered]@{
                "$Q.oft_blocks" = @(4, 2, 2)
                "$Q.alpha"      = @()
            })
        $adapter = Get-LoraAdapter $file -ErrorAction SilentlyContinue -ErrorVariable problems
        $adapter | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'AdapterTypeNotSupported*'
        $problems[0].Exception.Message | Should -BeLike "*$Q*base weights*"
    }

    It 'loads a LoHa file with dora_scale but Split-LoraMsu refuses it with DoraNotSplittable naming the tensor' {
        $file = New-KohyaFile (Join-Path $TestDrive 'dora.safetensors') ([ordered]@{
                "$Q.hada_w1_a"  = @(6, 2)
                "$Q.hada_w1_b"  = @(2, 8)
                "$Q.hada_w2_a"  = @(6, 2)
                "$Q.hada_w2_b"  = @(2, 8)
                "$Q.dora_scale" = @(6, 1)
            })
        $adapter = Get-LoraAdapter $file
        $adapter.IsDora | Should -BeTrue
        $units = $adapter | Split-LoraMsu -ErrorAction SilentlyContinue -ErrorVariable problems
        $units | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DoraNotSplittable*'
        $problems[0].Exception.Message | Should -BeLike "*$Q.dora_scale*base weights*"
    }
}
