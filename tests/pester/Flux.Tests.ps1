BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # A safetensors file written byte by byte here (F32 tensors, optional rank-0 alphas), not by the module.
    function Write-TestSafeTensors([string] $Path, [System.Collections.Specialized.OrderedDictionary] $Tensors) {
        $header = [ordered]@{}
        $offset = 0
        foreach ($name in $Tensors.Keys) {
            $t = $Tensors[$name]
            $bytes = 4 * $t.Data.Count
            $header[$name] = [ordered]@{ dtype = 'F32'; shape = @($t.Shape); data_offsets = @($offset, ($offset + $bytes)) }
            $offset += $bytes
        }
        $json = [System.Text.Encoding]::UTF8.GetBytes(($header | ConvertTo-Json -Depth 5 -Compress))
        $padded = [int]([math]::Ceiling($json.Length / 8) * 8)
        $stream = [System.IO.File]::Create($Path)
        try {
            $stream.Write([System.BitConverter]::GetBytes([uint64]$padded), 0, 8)
            $stream.Write($json, 0, $json.Length)
            for ($i = $json.Length; $i -lt $padded; $i++) { $stream.WriteByte(32) }
            foreach ($name in $Tensors.Keys) {
                $data = [float[]]$Tensors[$name].Data
                $buffer = [byte[]]::new(4 * $data.Length)
                [System.Buffer]::BlockCopy($data, 0, $buffer, 0, $buffer.Length)
                $stream.Write($buffer, 0, $buffer.Length)
            }
        }
        finally { $stream.Dispose() }
    }

    function New-Values([int] $Count, [int] $Seed) {
        $r = [System.Random]::new($Seed)
        $v = [float[]]::new($Count)
        for ($i = 0; $i -lt $Count; $i++) { $v[$i] = [float]($r.NextDouble() * 2 - 1) }
        , $v
    }

    $script:Dir = Join-Path ([System.IO.Path]::GetTempPath()) ("loralego-flux-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $script:Dir | Out-Null

    # kohya (sd-scripts) names: the fused image qkv of double block 0 and linear2 of single block 5, rank 1.
    $script:KohyaFile = Join-Path $script:Dir 'flux-kohya.safetensors'
    $t = [ordered]@{}
    $t['lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight'] = @{ Shape = @(1, 3072); Data = (New-Values 3072 1) }
    $t['lora_unet_double_blocks_0_img_attn_qkv.lora_up.weight'] = @{ Shape = @(9216, 1); Data = (New-Values 9216 2) }
    $t['lora_unet_double_blocks_0_img_attn_qkv.alpha'] = @{ Shape = @(); Data = [float[]]@(0.5) }
    $t['lora_unet_single_blocks_5_linear2.lora_down.weight'] = @{ Shape = @(1, 15360); Data = (New-Values 15360 3) }
    $t['lora_unet_single_blocks_5_linear2.lora_up.weight'] = @{ Shape = @(3072, 1); Data = (New-Values 3072 4) }
    Write-TestSafeTensors $script:KohyaFile $t

    # The same layers in diffusers names (what diffusers' save_lora_weights writes), rank 1, no alpha: scale 1.
    $script:DiffusersFile = Join-Path $script:Dir 'flux-diffusers.safetensors'
    $d = [ordered]@{}
    $d['transformer.transformer_blocks.0.attn.to_q.lora_A.weight'] = @{ Shape = @(1, 3072); Data = (New-Values 3072 5) }
    $d['transformer.transformer_blocks.0.attn.to_q.lora_B.weight'] = @{ Shape = @(3072, 1); Data = (New-Values 3072 6) }
    $d['transformer.single_transformer_blocks.5.proj_out.lora_A.weight'] = @{ Shape = @(1, 15360); Data = (New-Values 15360 7) }
    $d['transformer.single_transformer_blocks.5.proj_out.lora_B.weight'] = @{ Shape = @(3072, 1); Data = (New-Values 3072 8) }
    Write-TestSafeTensors $script:DiffusersFile $d

    # Tensor names straight from a safetensors header.
    function Get-HeaderKey([string] $File) {
        $bytes = [System.IO.File]::ReadAllBytes($File)
        $n = [System.BitConverter]::ToUInt64($bytes, 0)
        $header = [System.Text.Encoding]::UTF8.GetString($bytes, 8, [int]$n) | ConvertFrom-Json -AsHashtable
        $header.Keys | Where-Object { $_ -ne '__metadata__' } | Sort-Object
    }
}

AfterAll {
    Remove-Item -LiteralPath $script:Dir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-LoraAdapter on a FLUX.1 LoRA in kohya names' {
    It 'shows the diffusers layers: the fused qkv as to_q, to_k and to_v, family Flux1' {
        $a = Get-LoraAdapter -LiteralPath $script:KohyaFile
        $a.Family | Should -Be 'Flux1'
        $a.ModuleCount | Should -Be 4
        $a.Modules.Name | Sort-Object | Should -Be @(
            'transformer.single_transformer_blocks.5.proj_out',
            'transformer.transformer_blocks.0.attn.to_k',
            'transformer.transformer_blocks.0.attn.to_q',
            'transformer.transformer_blocks.0.attn.to_v')
        $q = $a.Modules | Where-Object Name -eq 'transformer.transformer_blocks.0.attn.to_q'
        $q.StoredName | Should -Be 'lora_unet_double_blocks_0_img_attn_qkv'
        $q.OutFeatures | Should -Be 3072
        $q.Scale | Should -Be 0.5
        # The three parts share one stored A: the adapter counts each stored value once.
        $a.ParameterCount | Should -Be (3072 + 9216 + 15360 + 3072)
    }
}

Describe 'Merging FLUX.1 LoRAs of different key styles' {
    It 'meets kohya and diffusers modules layer for layer and writes BFL names for kohya' {
        $a = Get-LoraAdapter -LiteralPath $script:KohyaFile, $script:DiffusersFile
        ($a | ForEach-Object Family) | Should -Be @('Flux1', 'Flux1')
        $out = Join-Path $script:Dir 'merged.safetensors'
        $m = $a | Split-LoraMsu | Merge-LoraAdapter -Path $out -Method Concat -Format Kohya -PassThru
        Get-HeaderKey $out | Where-Object { $_ -like '*.lora_down.weight' } | Should -Be @(
            'lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight',
            'lora_unet_single_blocks_5_linear2.lora_down.weight')
        # to_q has both inputs' units; the fused qkv holds them beside to_k's and to_v's (ranks add up),
        # and the file says whose ranks are whose, so each part reads back at its own rank.
        $byName = @{}; $m.Modules | ForEach-Object { $byName[$_.Name] = $_.Rank }
        $byName['transformer.transformer_blocks.0.attn.to_q'] | Should -Be 2
        $byName['transformer.transformer_blocks.0.attn.to_k'] | Should -Be 1
        $byName['transformer.transformer_blocks.0.attn.to_v'] | Should -Be 1
        ($m.Modules | Where-Object Name -eq 'transformer.single_transformer_blocks.5.proj_out').Rank | Should -Be 2
        (Measure-LoraMerge -Merged $m -Source $a -Summary).RelativeError | Should -BeLessThan 1e-6
    }
}
