# Dot-sourced by the manifest, isolation and package tests: a brand-new PowerShell process (import
# time, assembly isolation, installing the package), the NuGet folder, and one sample adapter.

function Invoke-FreshPwsh {
    <#
        Runs $Script in a new pwsh of the same version as this one and returns its output
        (stdout lines). Throws with the child's stderr when it exits non-zero. $Environment sets
        variables for the child only.
    #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $process = [Environment]::ProcessPath
    # Started as "dotnet pwsh" (the local tool) the host is dotnet and pwsh.dll is the entry point.
    [string[]] $prefix = if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { @((Join-Path $PSHOME 'pwsh.dll')) } else { @() }
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Script))
    $saved = @{}
    foreach ($key in $Environment.Keys) { $saved[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, $Environment[$key]) }
    try {
        $stderr = New-TemporaryFile
        $output = & $process @prefix -NoProfile -NonInteractive -EncodedCommand $encoded 2> $stderr.FullName
        $code = $LASTEXITCODE
        $errors = Get-Content -Raw $stderr.FullName
        Remove-Item $stderr.FullName
        if ($code -ne 0) { throw "Fresh pwsh exited with $code.`n$($output -join "`n")`n$errors" }
        $output
    }
    finally {
        foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
    }
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages'
}

function Get-SampleAdapter {
    <# One adapter from samples/: a PEFT folder (has adapter_config.json), else a .safetensors file. $null when none. #>
    param([Parameter(Mandatory)] [string] $SamplesPath)
    if (-not (Test-Path $SamplesPath)) { return $null }
    $peft = Get-ChildItem -Path $SamplesPath -Recurse -Filter adapter_config.json | Sort-Object FullName | Select-Object -First 1
    if ($peft) { return $peft.Directory }
    Get-ChildItem -Path $SamplesPath -Recurse -Filter *.safetensors | Sort-Object FullName | Select-Object -First 1
}
