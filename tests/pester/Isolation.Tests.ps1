<#
    Another module got there first: a session that already holds MathNet.Numerics 4.15.0 (loaded
    the way any other module would, Add-Type -Path) must still import LoraLego and run it on
    MathNet 5.0.0, served from the module's own Dependencies/ folder.
#>
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:OldMathNet = Join-Path (Get-NuGetPackagesFolder) 'mathnet.numerics/4.15.0/lib/netstandard2.0/MathNet.Numerics.dll'
    $script:Manifest = (Resolve-Path (Join-Path $script:ModulePath 'LoraLego.psd1')).Path
    $script:Sample = Get-SampleAdapter -SamplesPath $script:SamplesPath

    # Everything below runs in ONE fresh process, in this order: old MathNet, then the module.
    $script:Report = Invoke-FreshPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$script:OldMathNet'
`$first = [MathNet.Numerics.Control].Assembly
Import-Module '$script:Manifest'
`$module = Get-Module LoraLego
# The engine, loaded the way the cmdlets load it: a reference of the cmdlet assembly.
`$engineName = `$module.ImplementingAssembly.GetReferencedAssemblies() | Where-Object Name -EQ 'LoraLego'
`$engine = [System.Reflection.Assembly]::Load(`$engineName)
`$context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$engine)
# MathNet as the engine sees it: asked of the engine's load context by the version we ship. The
# context already holds 4.15.0 under that name, so only the module's resolver can answer.
`$shipped = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path `$module.ModuleBase 'Dependencies/MathNet.Numerics.dll'))
`$ours = `$context.LoadFromAssemblyName(`$shipped)
`$matrix = `$ours.GetType('MathNet.Numerics.LinearAlgebra.Double.DenseMatrix', `$true)::OfArray([double[,]]::new(2, 2))
`$matrix[0, 0] = 3; `$matrix[1, 1] = 4; `$matrix[0, 1] = 1
`$sample = '$($script:Sample.FullName)'
`$adapters = if (`$sample -and (Get-Command Get-LoraAdapter -ErrorAction SilentlyContinue)) { @(Get-LoraAdapter -LiteralPath `$sample).Count } else { -1 }
# Clustering is where the engine leans on MathNet: run it too when this build has it.
`$clusters = if (`$adapters -eq 1 -and (Get-Command Split-LoraMsu, Invoke-LoraCluster -ErrorAction SilentlyContinue).Count -eq 2) {
    @(Get-LoraAdapter -LiteralPath `$sample | Split-LoraMsu | Invoke-LoraCluster -K 2 -Seed 1).Count
} else { -1 }
# The report draws its charts with OxyPlot, which only the module ships: it must come from Dependencies/ too.
`$oxyPlot = `$null
if (`$adapters -eq 1 -and (Get-Command Export-LoraReport -ErrorAction SilentlyContinue)) {
    `$html = Join-Path ([IO.Path]::GetTempPath()) ("loralego-isolation-" + [guid]::NewGuid().ToString('N') + '.html')
    Get-LoraAdapter -LiteralPath `$sample | Export-LoraReport -Path `$html
    `$svgs = ([regex]::Matches((Get-Content -Raw `$html), '<svg ')).Count
    Remove-Item `$html
    `$oxy = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'OxyPlot' } | Select-Object -First 1
    `$oxyPlot = @{ Location = `$oxy.Location; Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$oxy).Name; Charts = `$svgs }
}
[pscustomobject]@{
    OxyPlot        = `$oxyPlot
    FirstVersion   = `$first.GetName().Version.ToString()
    LoadedVersions = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'MathNet.Numerics' } | ForEach-Object { `$_.GetName().Version.ToString() } | Sort-Object)
    EngineLocation = `$engine.Location
    EngineReferencesMathNet = [string](`$engine.GetReferencedAssemblies() | Where-Object Name -EQ 'MathNet.Numerics').Version
    OursVersion    = `$ours.GetName().Version.ToString()
    OursLocation   = `$ours.Location
    OursContext    = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$ours).Name
    Determinant    = `$matrix.Determinant()
    Adapters       = `$adapters
    Clusters       = `$clusters
} | ConvertTo-Json -Compress
"@ | Select-Object -Last 1 | ConvertFrom-Json
}

Describe 'Dependency isolation' {
    It 'starts from a session where MathNet.Numerics 4.15.0 is already loaded' {
        $script:Report.FirstVersion | Should -Be '4.15.0.0'
        # Both stay loaded side by side: the other module keeps its 4.15.0.
        @($script:Report.LoadedVersions) | Should -Be @('4.15.0.0', '5.0.0.0')
    }

    It 'loads the engine from beside the cmdlet assembly' {
        # PowerShell reflects over the cmdlets' parameter types (engine types) before the module's
        # initializer runs, so the engine is found next to the cmdlet assembly, in the default context.
        $script:Report.EngineLocation | Should -Be (Join-Path (Split-Path $script:Manifest) 'LoraLego.dll')
        $script:Report.EngineReferencesMathNet | Should -Be '5.0.0.0'
    }

    It 'gives the engine its own MathNet.Numerics 5.0.0 from Dependencies/' {
        $script:Report.OursVersion | Should -Be '5.0.0.0'
        $script:Report.OursContext | Should -Be 'LoraLego'
        $script:Report.OursLocation | Should -Be (Join-Path (Split-Path $script:Manifest) 'Dependencies/MathNet.Numerics.dll')
        # [[3, 1], [0, 4]]: a real call into the 5.0.0 code, not just a loaded image.
        $script:Report.Determinant | Should -Be 12
    }

    It 'runs Get-LoraAdapter on a sample adapter beside the older MathNet' {
        if (-not (Get-Command Get-LoraAdapter -Module LoraLego -ErrorAction SilentlyContinue)) { Set-ItResult -Skipped -Because 'Get-LoraAdapter is not compiled into this build' ; return }
        if (-not $script:Sample) { Set-ItResult -Skipped -Because "no sample adapters in $script:SamplesPath (build.ps1 -Task Samples)" ; return }
        $script:Report.Adapters | Should -Be 1
    }

    It 'draws a report with OxyPlot from Dependencies/, in the module''s own load context' {
        if (-not (Get-Command Export-LoraReport -Module LoraLego -ErrorAction SilentlyContinue)) { Set-ItResult -Skipped -Because 'Export-LoraReport is not compiled into this build'; return }
        if (-not $script:Sample) { Set-ItResult -Skipped -Because "no sample adapters in $script:SamplesPath (build.ps1 -Task Samples)"; return }
        $script:Report.OxyPlot.Location | Should -Be (Join-Path (Split-Path $script:Manifest) 'Dependencies/OxyPlot.dll')
        $script:Report.OxyPlot.Context | Should -Be 'LoraLego'
        $script:Report.OxyPlot.Charts | Should -BeGreaterThan 0
    }

    It 'clusters the sample''s units beside the older MathNet' {
        if (@(Get-Command Get-LoraAdapter, Split-LoraMsu, Invoke-LoraCluster -Module LoraLego -ErrorAction SilentlyContinue).Count -ne 3) { Set-ItResult -Skipped -Because 'Get-LoraAdapter, Split-LoraMsu and Invoke-LoraCluster are not all compiled into this build'; return }
        if (-not $script:Sample) { Set-ItResult -Skipped -Because "no sample adapters in $script:SamplesPath (build.ps1 -Task Samples)"; return }
        $script:Report.Clusters | Should -BeGreaterThan 0
    }
}
