@{
    RootModule           = 'LoraLego.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f1d0c3e-7a52-4b7e-9d8e-2b1f4c9a5e71'
    Author               = 'LoraLego developers'
    CompanyName          = 'LoraLego'
    Copyright            = '(c) LoraLego developers. MIT licence.'
    Description          = 'Takes LoRA adapters apart rank by rank and puts them back together (LoRA-LEGO): load PEFT, kohya and diffusers adapters, split them into minimal semantic units, cluster them and merge to any rank.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('LoraLego.Format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @('Get-LoraAdapter', 'Split-LoraMsu', 'Invoke-LoraCluster', 'Merge-LoraAdapter', 'Measure-LoraMerge')
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('LoRA', 'PEFT', 'safetensors', 'merge', 'kohya', 'diffusers', 'machine-learning')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://example.invalid/loralego'
            ReleaseNotes = 'First release: safetensors codec, PEFT/kohya/diffusers adapters, Get-LoraAdapter.'
        }
    }
}
