BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    # A kohya file (written byte by byte by Write-SafeTensorsFile): per module lora_down [r, in], lora_up [out, r] and a rank-0 alpha.
    function New-KohyaFile {
        param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [hashtable] $Modules, [int] $Rank = 2, [int] $Seed = 1)
        $tensors = [ordered]@{}
        $random = [Random]::new($Seed)
        foreach ($name in ($Modules.Keys | Sort-Object)) {
            $in, $out = $Modules[$name]
            foreach ($t in @(@{ Key = "$name.lora_down.weight"; Shape = @($Rank, $in) }, @{ Key = "$name.lora_up.weight"; Shape = @($out, $Rank) }, @{ Key = "$name.alpha"; Shape = @() })) {
                $count = 1L; foreach ($d in $t.Shape) { $count *= $d }
                $values = [float[]]::new($count)
                for ($i = 0; $i -lt $count; $i++) { $values[$i] = [float]($random.NextDouble() - 0.5) }
                if ($t.Shape.Count -eq 0) { $values[0] = 1 }
                $tensors[$t.Key] = @{ Shape = $t.Shape; Values = $values }
            }
        }

        Write-SafeTensorsFile -Path $Path -Tensors $tensors -Metadata ([ordered]@{ ss_network_dim = "$Rank" })
    }

    # attn2.to_k reads the text states: 768 wide in SD 1.x, 2048 in SDXL, so each file names its family.
    $script:Sd1 = New-KohyaFile -Path (Join-Path $TestDrive 'sd1-style.safetensors') -Modules @{
        'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k' = 768, 320
        'lora_te_text_model_encoder_layers_0_self_attn_q_proj' = 768, 768
    }
    $script:Sdxl = New-KohyaFile -Path (Join-Path $TestDrive 'sdxl-style.safetensors') -Seed 2 -Modules @{
        'lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k' = 2048, 640
    }
}

Describe 'Model families' {
    It 'names modules by the layer they adapt and shows the family and components' {
        $a = Get-LoraAdapter $script:Sd1.FullName
        $a.Family | Should -Be 'StableDiffusion1'
        $a.Components | Should -Be @('text_encoder', 'unet')
        $a.Modules.Name | Should -Contain 'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k'
        $a.Modules.Name | Should -Contain 'text_encoder.text_model.encoder.layers.0.self_attn.q_proj'
        $x = Get-LoraAdapter $script:Sdxl.FullName
        $x.Family | Should -Be 'StableDiffusionXL'
        $x.Modules[0].Name | Should -Be 'unet.down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k'
        $x.Modules[0].StoredName | Should -Be 'lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k'
        $table = $a, $x | Format-Table | Out-String -Width 120
        $table | Should -Match 'sd1-style\s+Kohya\s+StableDiffusion1\s+te,unet\s'
        $table | Should -Match 'sdxl-style\s+Kohya\s+StableDiffusionXL\s+unet\s'
    }

    It 'refuses to merge adapters of different families, naming both, and writes nothing' {
        $target = Join-Path $TestDrive 'mixed-out'
        Get-LoraAdapter $script:Sd1.FullName, $script:Sdxl.FullName | Split-LoraMsu | Merge-LoraAdapter -Path $target -ErrorVariable err -ErrorAction SilentlyContinue
        $family = @($err | Where-Object { $_.FullyQualifiedErrorId -like 'ModelFamilyMismatch*' })
        $family.Count | Should -Be 1 -Because 'one error for the refused adapter, not one per unit or module'
        $family[0].Exception.Message | Should -Match "'sdxl-style' is StableDiffusionXL"
        $family[0].Exception.Message | Should -Match "'sd1-style' is StableDiffusion1"
        $family[0].CategoryInfo.Category | Should -Be 'InvalidData'
        ($err | Where-Object { $_.FullyQualifiedErrorId -like 'MergeFailed*' }) | Should -Not -BeNullOrEmpty
        Test-Path $target | Should -BeFalse
    }

    It 'refuses to measure a merge against sources of another family' {
        { Measure-LoraMerge -Merged (Get-LoraAdapter $script:Sd1.FullName) -Source (Get-LoraAdapter $script:Sdxl.FullName) -ErrorAction Stop } |
            Should -Throw -ErrorId 'ModelFamilyMismatch*'
    }

    It 'says a Git LFS pointer is one, and how to get the real file' {
        $pointer = Join-Path $TestDrive 'pointer.safetensors'
        "version https://git-lfs.github.com/spec/v1`noid sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`nsize 144000000`n" | Set-Content -LiteralPath $pointer -NoNewline
        Get-LoraAdapter $pointer -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'GitLfsPointer*'
        $err[0].Exception.Message | Should -Match 'git lfs pull'
        $err[0].Exception.Message | Should -Match '144000000 bytes'
    }
}
