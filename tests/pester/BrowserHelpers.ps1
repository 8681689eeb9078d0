# Dot-sourced by Report.Tests.ps1: a real browser (Debian's headless Chromium, installed here when
# missing) and a PNG decoder to look at what it drew.

function Get-Chromium {
    <#
        The chromium executable. When absent on Linux as root (CI on a fresh machine), installs
        Debian's package first (apt-get update, apt-get install -y chromium). $null when there is
        none and it cannot be installed here (not Linux, not root).
    #>
    $found = Get-Command chromium, chromium-browser -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($found) { return $found.Source }
    if (-not $IsLinux -or (& id -u) -ne '0' -or -not (Get-Command apt-get -ErrorAction SilentlyContinue)) { return $null }
    Write-Host 'Installing chromium (apt-get) for the report screenshot tests...'
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq *> $null
    & apt-get install -y -qq chromium *> $null
    if ($LASTEXITCODE -ne 0) { throw "apt-get install -y chromium failed with exit code $LASTEXITCODE." }
    (Get-Command chromium -CommandType Application -ErrorAction Stop).Source
}

function Save-Screenshot {
    <# Opens $Url in headless Chromium (a fresh empty profile each time) and writes a PNG of the window. #>
    param([Parameter(Mandatory)] [string] $Chromium, [Parameter(Mandatory)] [string] $Url, [Parameter(Mandatory)] [string] $Png,
        [int] $Width = 1280, [int] $Height = 2000)
    $profileDir = Join-Path ([IO.Path]::GetTempPath()) ("loralego-chromium-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $profileDir | Out-Null
    try {
        if (Test-Path $Png) { Remove-Item $Png }
        $arguments = @('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', "--user-data-dir=$profileDir", "--window-size=$Width,$Height", "--screenshot=$Png", $Url)
        # Chromium talks on stderr (D-Bus warnings) even when it works: judge by the file.
        & $Chromium @arguments 2>&1 | Out-Null
        if (-not (Test-Path $Png)) { throw "Chromium wrote no screenshot of $Url (exit code $LASTEXITCODE)." }
    }
    finally { Remove-Item $profileDir -Recurse -Force -ErrorAction SilentlyContinue }
}

if (-not ('LoraLegoTests.Png' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace LoraLegoTests
{
    /// <summary>Decodes the 8-bit, non-interlaced RGB/RGBA PNGs Chromium writes, and counts pixels in rectangles.</summary>
    public sealed class Png
    {
        public int Width; public int Height; public byte[] Rgb = Array.Empty<byte>();

        public static Png Read(string path)
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length < 8 || bytes[1] != 'P' || bytes[2] != 'N' || bytes[3] != 'G') throw new InvalidDataException(path + " is not a PNG.");
            var png = new Png();
            int colourType = -1, channels = 0;
            var idat = new MemoryStream();
            for (int at = 8; at + 8 <= bytes.Length;)
            {
                int length = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
                string type = System.Text.Encoding.ASCII.GetString(bytes, at + 4, 4);
                int data = at + 8;
                if (type == "IHDR")
                {
                    png.Width = (bytes[data] << 24) | (bytes[data + 1] << 16) | (bytes[data + 2] << 8) | bytes[data + 3];
                    png.Height = (bytes[data + 4] << 24) | (bytes[data + 5] << 16) | (bytes[data + 6] << 8) | bytes[data + 7];
                    if (bytes[data + 8] != 8 || bytes[data + 12] != 0) throw new InvalidDataException("only 8-bit non-interlaced PNGs");
                    colourType = bytes[data + 9];
                    channels = colourType == 2 ? 3 : colourType == 6 ? 4 : throw new InvalidDataException("colour type " + colourType);
                }
                else if (type == "IDAT") idat.Write(bytes, data, length);
                else if (type == "IEND") break;
                at = data + length + 4;
            }

            idat.Position = 0;
            int stride = png.Width * channels;
            var raw = new byte[(stride + 1) * png.Height];
            using (var z = new ZLibStream(idat, CompressionMode.Decompress))
            {
                int read = 0, n;
                while (read < raw.Length && (n = z.Read(raw, read, raw.Length - read)) > 0) read += n;
                if (read != raw.Length) throw new InvalidDataException("truncated image data");
            }

            var pixels = new byte[stride * png.Height];
            for (int y = 0; y < png.Height; y++)
            {
                int filter = raw[y * (stride + 1)];
                int src = (y * (stride + 1)) + 1, dst = y * stride;
                for (int x = 0; x < stride; x++)
                {
                    int a = x >= channels ? pixels[dst + x - channels] : 0;
                    int b = y > 0 ? pixels[dst - stride + x] : 0;
                    int c = x >= channels && y > 0 ? pixels[dst - stride + x - channels] : 0;
                    int v = raw[src + x];
                    switch (filter)
                    {
                        case 0: break;
                        case 1: v += a; break;
                        case 2: v += b; break;
                        case 3: v += (a + b) / 2; break;
                        case 4:
                            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                            v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                            break;
                        default: throw new InvalidDataException("filter " + filter);
                    }

                    pixels[dst + x] = (byte)v;
                }
            }

            png.Rgb = new byte[png.Width * png.Height * 3];
            for (int i = 0, j = 0; i < pixels.Length; i += channels, j += 3)
            {
                png.Rgb[j] = pixels[i]; png.Rgb[j + 1] = pixels[i + 1]; png.Rgb[j + 2] = pixels[i + 2];
            }

            return png;
        }

        /// <summary>Pixels in the rectangle that are none of the background colours (exactly).</summary>
        public int CountNotBackground(int x0, int y0, int w, int h, int[] backgrounds)
        {
            int count = 0;
            ForEach(x0, y0, w, h, rgb => { if (Array.IndexOf(backgrounds, rgb) < 0) count++; });
            return count;
        }

        public int DistinctColours(int x0, int y0, int w, int h)
        {
            var seen = new HashSet<int>();
            ForEach(x0, y0, w, h, rgb => seen.Add(rgb));
            return seen.Count;
        }

        /// <summary>Pixels within ±tolerance per channel of the colour (0xRRGGBB).</summary>
        public int CountNear(int x0, int y0, int w, int h, int colour, int tolerance)
        {
            int r = colour >> 16, g = (colour >> 8) & 0xff, b = colour & 0xff, count = 0;
            ForEach(x0, y0, w, h, rgb =>
            {
                if (Math.Abs((rgb >> 16) - r) <= tolerance && Math.Abs(((rgb >> 8) & 0xff) - g) <= tolerance && Math.Abs((rgb & 0xff) - b) <= tolerance) count++;
            });
            return count;
        }

        private void ForEach(int x0, int y0, int w, int h, Action<int> visit)
        {
            int x1 = Math.Min(Width, x0 + w), y1 = Math.Min(Height, y0 + h);
            for (int y = Math.Max(0, y0); y < y1; y++)
                for (int x = Math.Max(0, x0); x < x1; x++)
                {
                    int i = ((y * Width) + x) * 3;
                    visit((Rgb[i] << 16) | (Rgb[i + 1] << 8) | Rgb[i + 2]);
                }
        }
    }
}
'@
}

function Get-ChartProblem {
    <#
        Why the rectangle of a screenshot is not a drawn chart, or $null when it is: enough pixels
        that are not the page background, enough distinct colours (lines, text anti-aliasing, fills),
        and each colour in -Colours (0xRRGGBB, the series' colours) present.
    #>
    param([Parameter(Mandatory)] $Png, [int] $X, [int] $Y, [int] $Width, [int] $Height, [int[]] $Colours = @(), [string] $Name = 'chart')
    $backgrounds = [int[]]@(0xFFFFFF, 0xF5F6F8)
    $ink = $Png.CountNotBackground($X, $Y, $Width, $Height, $backgrounds)
    $share = $ink / [double]($Width * $Height)
    if ($share -lt 0.01) { return "$Name is blank: $ink of $($Width * $Height) pixels differ from the background" }
    $distinct = $Png.DistinctColours($X, $Y, $Width, $Height)
    if ($distinct -lt 12) { return "$Name has only $distinct colours" }
    foreach ($c in $Colours) {
        $n = $Png.CountNear($X, $Y, $Width, $Height, $c, 10)
        if ($n -lt 30) { return ('{0} lacks its series colour #{1:x6} ({2} pixels)' -f $Name, $c, $n) }
    }
    $null
}
