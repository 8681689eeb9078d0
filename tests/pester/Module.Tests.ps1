BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'LoraLego module' {
    It 'imports from the built output folder' {
        $m = Get-Module LoraLego
        $m | Should -Not -BeNullOrEmpty
        $m.ModuleBase | Should -Be ((Resolve-Path $script:ModulePath).Path)
    }
}
