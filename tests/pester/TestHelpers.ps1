# Dot-sourced by the manifest, isolation, package, reliability and LyCORIS tests: a brand-new PowerShell
# process (import time, assembly isolation, installing the package), the NuGet folder, one sample adapter,
# and a safetensors file written byte by byte.

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

function Write-SafeTensorsFile {
    <#
        A .safetensors file written byte by byte (not with LoraLego's writer): $Tensors is an ordered map of
        key -> @{ Shape = ...; Values = [float[]] } (F32), $Metadata the optional __metadata__.
    #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [System.Collections.Specialized.OrderedDictionary] $Tensors, $Metadata = $null)
    $header = [ordered]@{}
    if ($Metadata) { $header['__metadata__'] = $Metadata }
    $blocks = [System.Collections.Generic.List[byte[]]]::new()
    $offset = 0L
    foreach ($key in $Tensors.Keys) {
        $values = $Tensors[$key].Values
        $bytes = [byte[]]::new($values.Length * 4)
        [Buffer]::BlockCopy($values, 0, $bytes, 0, $bytes.Length)
        $header[$key] = [ordered]@{ dtype = 'F32'; shape = @($Tensors[$key].Shape); data_offsets = @($offset, ($offset + $bytes.Length)) }
        $offset += $bytes.Length
        $blocks.Add($bytes)
    }
    $json = [Text.Encoding]::UTF8.GetBytes(($header | ConvertTo-Json -Compress -Depth 5))
    $padded = [int]([Math]::Ceiling($json.Length / 8) * 8)
    $stream = [IO.File]::Create($Path)
    try {
        $stream.Write([BitConverter]::GetBytes([uint64]$padded), 0, 8)
        $stream.Write($json, 0, $json.Length)
        for ($i = $json.Length; $i -lt $padded; $i++) { $stream.WriteByte(32) }
        foreach ($b in $blocks) { $stream.Write($b, 0, $b.Length) }
    }
    finally { $stream.Dispose() }
    Get-Item -LiteralPath $Path
}
