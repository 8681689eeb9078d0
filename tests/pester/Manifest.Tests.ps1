BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:ManifestPath = Join-Path $script:ModulePath 'LoraLego.psd1'
    $script:Manifest = Import-PowerShellDataFile $script:ManifestPath
    $script:Module = Get-Module LoraLego
    # The cmdlets as compiled: every public [Cmdlet] class in the module's assembly.
    $script:CompiledCmdlets = @($script:Module.ImplementingAssembly.GetExportedTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" } | Sort-Object)
}

Describe 'Module manifest' {
    It 'passes Test-ModuleManifest' {
        { Test-ModuleManifest -Path $script:ManifestPath -ErrorAction Stop } | Should -Not -Throw
    }

    It 'lists every export explicitly (no wildcards, no missing keys)' {
        foreach ($key in 'CmdletsToExport', 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $script:Manifest.Keys | Should -Contain $key
            @($script:Manifest[$key]) -join ',' | Should -Not -Match '\*' -Because "$key must be an explicit list"
        }
        @($script:Manifest.FunctionsToExport).Count | Should -Be 0
        @($script:Manifest.AliasesToExport).Count | Should -Be 0
    }

    It 'exports exactly the cmdlets compiled into LoraLego.PowerShell.dll' {
        $listed = @($script:Manifest.CmdletsToExport | Sort-Object)
        $exported = @($script:Module.ExportedCmdlets.Keys | Sort-Object)
        $missingFromManifest = @($script:CompiledCmdlets | Where-Object { $_ -notin $listed })
        $notCompiled = @($listed | Where-Object { $_ -notin $script:CompiledCmdlets })
        $missingFromManifest | Should -BeNullOrEmpty -Because 'a compiled cmdlet must be listed in module/LoraLego.psd1 CmdletsToExport'
        $notCompiled | Should -BeNullOrEmpty -Because 'CmdletsToExport must not list cmdlets the assembly does not have'
        $exported | Should -Be $script:CompiledCmdlets
    }

    It 'targets Windows PowerShell 5.1 (Desktop) and PowerShell 7 (Core)' {
        @($script:Manifest.CompatiblePSEditions | Sort-Object) | Should -Be @('Core', 'Desktop')
        [version]$script:Manifest.PowerShellVersion | Should -Be ([version]'5.1')
    }

    It 'has the version of the assemblies and of Directory.Build.props' {
        $props = ([xml](Get-Content -Raw (Join-Path $script:RepoRoot 'Directory.Build.props'))).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
        $moduleVersion = [version]$script:Manifest.ModuleVersion
        $moduleVersion | Should -Be ([version]$props)
        $cmdletAssembly = $script:Module.ImplementingAssembly.GetName().Version
        $engineAssembly = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $script:ModulePath 'LoraLego.dll')).Version
        foreach ($assemblyVersion in $cmdletAssembly, $engineAssembly) {
            [version]::new($assemblyVersion.Major, $assemblyVersion.Minor, $assemblyVersion.Build) | Should -Be $moduleVersion
        }
        $script:Module.Version | Should -Be $moduleVersion
    }

    It 'carries gallery metadata and ships its licence' {
        $psData = $script:Manifest.PrivateData.PSData
        @($psData.Tags) | Should -Contain 'LoRA'
        @($psData.Tags) | Should -Contain 'PSEdition_Core'
        @($psData.Tags) | Should -Contain 'PSEdition_Desktop'
        foreach ($key in 'ProjectUri', 'LicenseUri') { [uri]::IsWellFormedUriString($psData[$key], 'Absolute') | Should -BeTrue -Because $key }
        $psData.ReleaseNotes | Should -Not -BeNullOrEmpty
        $script:Manifest.Description | Should -Not -BeNullOrEmpty
        Join-Path $script:ModulePath 'LICENSE' | Should -FileContentMatch 'MIT License'
    }

    It 'keeps third-party assemblies out of the module root' {
        # Only our own two: the cmdlets and the engine their parameters are typed with.
        $root = @(Get-ChildItem $script:ModulePath -Filter *.dll | Sort-Object Name).Name
        $root | Should -Be @('LoraLego.dll', 'LoraLego.PowerShell.dll')
        Join-Path $script:ModulePath 'Dependencies/MathNet.Numerics.dll' | Should -Exist
        # PowerShellStandard's reference assembly must never ship: the host provides the real one.
        Join-Path $script:ModulePath 'Dependencies/System.Management.Automation.dll' | Should -Not -Exist
    }

    It 'imports in a fresh pwsh in under 0.5 s (median of 5)' {
        $manifest = (Resolve-Path $script:ManifestPath).Path
        $samples = foreach ($i in 1..5) {
            $out = Invoke-FreshPwsh "`$t = Measure-Command { Import-Module '$manifest' -ErrorAction Stop }; `$t.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)"
            [double]::Parse(@($out)[-1], [cultureinfo]::InvariantCulture)
        }
        $median = ($samples | Sort-Object)[2]
        Write-Host ("    Import-Module median over 5 fresh processes: {0:N1} ms (all: {1})" -f $median, (($samples | ForEach-Object { $_.ToString('N1') }) -join ', '))
        $median | Should -BeLessThan 500
    }
}
