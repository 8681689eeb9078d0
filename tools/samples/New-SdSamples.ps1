<#
.SYNOPSIS
    Writes samples/sd15: two tiny Stable Diffusion 1.5 LoRAs (a kohya file with training metadata and a
    diffusers file with lora_adapter_metadata) on the same few real SD 1.5 layers, for the help examples
    of Convert-LoraAdapter and Merge-LoraAdapter -Format Kohya / Diffusers.
.DESCRIPTION
    The weights are deterministic numbers (sines), not a trained style: the files show
    the formats, not an effect. Written with the built module's own writer, then read back to check.
.PARAMETER ModulePath
    Folder of the built module (out/LoraLego).
#>
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path (Resolve-Path -LiteralPath $ModulePath).Path 'LoraLego.psd1') -Force
$out = Join-Path $PSScriptRoot '../../samples/sd15'
New-Item -ItemType Directory -Path $out -Force | Out-Null

function New-Values([int] $Count, [int] $Seed) {
    $v = [float[]]::new($Count)
    for ($i = 0; $i -lt $Count; $i++) { $v[$i] = [float](0.1 * [Math]::Sin(($Seed * 12.9898) + ($i * 78.233) + ($i % 7) * 0.5)) }
    , $v
}

# (component, layer path, in, out): the first transformer block of SD 1.5's UNet and CLIP's first layer.
$block = 'down_blocks.0.attentions.0.transformer_blocks.0.'
$layers = @(
    @('unet', "${block}attn1.to_q", 320, 320), @('unet', "${block}attn1.to_k", 320, 320), @('unet', "${block}attn1.to_v", 320, 320),
    @('unet', "${block}attn1.to_out.0", 320, 320), @('unet', "${block}attn2.to_q", 320, 320), @('unet', "${block}attn2.to_k", 768, 320),
    @('unet', "${block}attn2.to_v", 768, 320), @('unet', "${block}attn2.to_out.0", 320, 320),
    @('text_encoder', 'text_model.encoder.layers.0.self_attn.q_proj', 768, 768), @('text_encoder', 'text_model.encoder.layers.0.self_attn.v_proj', 768, 768)
)

function Write-Sample([string] $File, [string] $Format, [int] $Rank, [double] $Alpha, [int] $Seed, [hashtable] $Metadata) {
    $modules = [System.Collections.Generic.List[LoraLego.Formats.OutputModule]]::new()
    $units = @{}
    $k = 0
    foreach ($l in $layers) {
        $id = [LoraLego.Adapters.ModuleIdentity]::new([LoraLego.Adapters.ModelFamily]::StableDiffusion1, $l[0], $l[1])
        $modules.Add([LoraLego.Formats.OutputModule]::new($id.Key, 'Linear', $l[2], $l[3], $Rank, $null, $id, $Alpha, $Alpha / $Rank))
        $a = New-Values ($Rank * $l[2]) ($Seed * 100 + $k)
        $bt = New-Values ($Rank * $l[3]) ($Seed * 100 + 50 + $k)
        $units[$id.Key] = [LoraLego.Units.UnitBlock]::new($l[2], $l[3], $a, $bt, [double[]]@(1..$Rank | ForEach-Object { $Alpha / $Rank }))
        $k++
    }

    $options = [LoraLego.Formats.AdapterWriteOptions]::new()
    $options.Format = $Format
    $options.Overwrite = $true
    $options.Title = [IO.Path]::GetFileNameWithoutExtension($File)
    $carried = [System.Collections.Generic.Dictionary[string, string]]::new()
    foreach ($key in $Metadata.Keys) { $carried[$key] = $Metadata[$key] }
    $options.CarriedMetadata = $carried
    $produce = [Func[LoraLego.Formats.OutputModule, Threading.CancellationToken, LoraLego.Units.UnitBlock]] { param($m, $t) $units[$m.Name] }
    [LoraLego.Formats.AdapterWriter]::Write((Join-Path $out $File), $modules, $produce, $options, [Threading.CancellationToken]::None) | Out-Null
}

$tags = '{"10_style": {"watercolor": 40, "1girl": 25, "landscape": 12}, "5_extra": {"watercolor": 8, "sketch": 6}}'
Write-Sample 'watercolor-kohya.safetensors' 'Kohya' 4 2 1 @{
    ss_sd_model_name = 'v1-5-pruned-emaonly.safetensors'; ss_resolution = '(512, 512)'; ss_num_epochs = '10'; ss_epoch = '10'; ss_steps = '1200'
    ss_tag_frequency = $tags; ss_output_name = 'watercolor'
}
Write-Sample 'detail-diffusers.safetensors' 'Diffusers' 2 4 2 @{}
Get-LoraAdapter (Join-Path $out '*') | Format-Table Name, Format, Family, Rank, Alpha, ModuleCount
