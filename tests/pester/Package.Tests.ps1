<#
    The nupkg that build.ps1 -Task Package writes (the Test task writes it too) installs with
    PSResourceGet from a plain folder repository and works from where it was installed.

    The repository is registered in a child pwsh whose data folder (XDG_DATA_HOME on Linux and
    macOS, LOCALAPPDATA on Windows) points into a temporary folder, so PSResourceGet's store of
    the user's real repositories is never read or written; it is unregistered there as well.
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Version = (Import-PowerShellDataFile (Join-Path $script:ModulePath 'LoraLego.psd1')).ModuleVersion
    $script:PackageFolder = Join-Path $script:RepoRoot 'out/package'
    $script:Nupkg = Join-Path $script:PackageFolder "LoraLego.$script:Version.nupkg"
    $script:Temp = Join-Path ([IO.Path]::GetTempPath()) "loralego-package-$([guid]::NewGuid().ToString('n'))"
    $script:Installed = Join-Path $script:Temp 'modules'
    $script:Store = Join-Path $script:Temp 'psresourceget-store'
    $script:Repository = "LoraLegoTest$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    New-Item -ItemType Directory -Path $script:Installed, $script:Store -Force | Out-Null
    $script:Isolated = @{ XDG_DATA_HOME = $script:Store; LOCALAPPDATA = $script:Store }
    # The user's store, read as a file (calling Get-PSResourceRepository here would create it).
    $script:UserStore = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
    $script:UserStoreBefore = if (Test-Path $script:UserStore) { (Get-FileHash $script:UserStore).Hash } else { 'absent' }
}

AfterAll {
    if (Test-Path $script:Store) {
        # Belt and braces: the install script unregisters in its own finally block.
        Invoke-FreshPwsh "try { Unregister-PSResourceRepository -Name '$script:Repository' -ErrorAction SilentlyContinue } catch { }; exit 0" -Environment $script:Isolated | Out-Null
    }
    Remove-Item $script:Temp -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Package' {
    It 'is written as out/package/LoraLego.<version>.nupkg' {
        $script:Nupkg | Should -Exist
    }

    It 'contains the module as laid out in out/LoraLego' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($script:Nupkg)
        try { $entries = @($zip.Entries.FullName -replace '\\', '/') } finally { $zip.Dispose() }
        $expected = Get-ChildItem $script:ModulePath -Recurse -File |
            ForEach-Object { [IO.Path]::GetRelativePath($script:ModulePath, $_.FullName) -replace '\\', '/' }
        foreach ($file in $expected) { $entries | Should -Contain $file }
        $entries | Should -Contain 'LoraLego.nuspec'
    }

    It 'describes the module in its nuspec as the manifest does' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($script:Nupkg)
        try {
            $reader = [IO.StreamReader]::new(($zip.Entries | Where-Object FullName -EQ 'LoraLego.nuspec').Open())
            $nuspec = ([xml]$reader.ReadToEnd()).package.metadata
            $reader.Dispose()
        }
        finally { $zip.Dispose() }
        $manifest = Import-PowerShellDataFile (Join-Path $script:ModulePath 'LoraLego.psd1')
        $nuspec.id | Should -Be 'LoraLego'
        $nuspec.version | Should -Be $script:Version
        $nuspec.licenseUrl | Should -Be $manifest.PrivateData.PSData.LicenseUri
        $nuspec.projectUrl | Should -Be $manifest.PrivateData.PSData.ProjectUri
        foreach ($tag in $manifest.PrivateData.PSData.Tags) { -split $nuspec.tags | Should -Contain $tag }
    }

    It 'installs from a folder repository with Save-PSResource and works from there' {
        $install = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name '$script:Repository' -Uri '$script:PackageFolder' -Trusted
try {
    Save-PSResource -Name LoraLego -Version '$script:Version' -Repository '$script:Repository' -Path '$script:Installed' -TrustRepository -SkipDependencyCheck
}
finally { Unregister-PSResourceRepository -Name '$script:Repository' }
"@
        Invoke-FreshPwsh $install -Environment $script:Isolated | Out-Null
        $manifest = Join-Path $script:Installed "LoraLego/$script:Version/LoraLego.psd1"
        $manifest | Should -Exist

        $sample = Get-SampleAdapter -SamplesPath $script:SamplesPath
        $use = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
`$m = Get-Module LoraLego
`$about = (Get-Help about_LoraLego | Out-String) -match 'minimal\s+semantic\s+unit'
`$sample = '$($sample.FullName)'
`$adapters = if (`$sample -and (Get-Command Get-LoraAdapter -Module LoraLego -ErrorAction SilentlyContinue)) { @(Get-LoraAdapter -LiteralPath `$sample).Count } else { -1 }
[pscustomobject]@{ Base = `$m.ModuleBase; Version = `$m.Version.ToString(); Cmdlets = @(`$m.ExportedCmdlets.Keys); About = `$about; Adapters = `$adapters } | ConvertTo-Json -Compress
"@
        $report = Invoke-FreshPwsh $use | Select-Object -Last 1 | ConvertFrom-Json
        $report.Base | Should -Be (Split-Path $manifest)
        $report.Version | Should -Be $script:Version
        @($report.Cmdlets | Sort-Object) | Should -Be @((Get-Module LoraLego).ExportedCmdlets.Keys | Sort-Object)
        $report.About | Should -BeTrue
        if ((Get-Command Get-LoraAdapter -Module LoraLego -ErrorAction SilentlyContinue) -and $sample) {
            $report.Adapters | Should -Be 1
        }
    }

    It 'leaves the user''s PSResource repositories as they were' {
        $after = if (Test-Path $script:UserStore) { (Get-FileHash $script:UserStore).Hash } else { 'absent' }
        $after | Should -Be $script:UserStoreBefore
        Join-Path $script:Store 'PSResourceGet/PSResourceRepository.xml' | Should -Exist -Because 'the registration went to the temporary store'
        Join-Path $script:Store 'PSResourceGet/PSResourceRepository.xml' | Should -Not -FileContentMatch $script:Repository
    }
}
