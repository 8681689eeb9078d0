@{
    RootModule           = 'LoraLego.PowerShell.dll'
    # Stamped by build.ps1 from <Version> in Directory.Build.props, the one place the version lives,
    # so the module and its assemblies always agree. This source copy is never imported as is.
    ModuleVersion        = '0.0.0'
    GUID                 = '6f1d0c3e-7a52-4b7e-9d8e-2b1f4c9a5e71'
    Author               = 'LoraLego developers'
    CompanyName          = 'LoraLego'
    Copyright            = '(c) LoraLego developers. MIT licence.'
    Description          = 'Takes LoRA adapters apart rank by rank and puts them back together (LoRA-LEGO): load PEFT, kohya and diffusers adapters, split them into minimal semantic units, cluster them and merge to any rank.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('LoraLego.Format.ps1xml')
    # Explicit lists (never wildcards): PowerShell reads them to auto-load the module without
    # loading the assembly. build.ps1 writes into CmdletsToExport the name of every [Cmdlet]
    # class compiled into LoraLego.PowerShell.dll (the code is the one place a cmdlet is
    # declared); out/LoraLego/LoraLego.psd1 then reads, for example,
    #   CmdletsToExport = @('Get-LoraAdapter', 'Invoke-LoraCluster', 'Measure-LoraMerge', 'Merge-LoraAdapter', 'Split-LoraMsu')
    # tests/pester/Manifest.Tests.ps1 checks the result against the assembly.
    FunctionsToExport    = @()
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('LoRA', 'PEFT', 'safetensors', 'merge', 'kohya', 'diffusers', 'machine-learning', 'LoRA-LEGO', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://example.invalid/loralego'
            ReleaseNotes = 'First release: safetensors codec; PEFT, kohya and diffusers adapters (Get-LoraAdapter); rank-wise split into minimal semantic units (Split-LoraMsu); per-module k-means clustering with dual reweighting (Invoke-LoraCluster); merging to any rank with LoRA-LEGO and PEFT-style baselines (Merge-LoraAdapter); merge quality measurement (Measure-LoraMerge). Help via Get-Help and about_LoraLego.'
        }
    }
}
