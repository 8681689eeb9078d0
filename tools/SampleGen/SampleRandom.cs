namespace LoraLego.SampleGen;

/// <summary>
/// xorshift64* numbers turned into floats with exact integer arithmetic only, so every machine and
/// runtime produces the same bits (no Math.Log/Sin, whose last bit may differ between platforms).
/// </summary>
internal sealed class SampleRandom
{
    private ulong _state;

    public SampleRandom(ulong seed) => _state = (seed * 0x9E3779B97F4A7C15UL) | 1;

    /// <summary>Uniform in [-amplitude, amplitude), on a grid of 2⁻²³·amplitude.</summary>
    public float Uniform(float amplitude)
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        ulong x = _state * 2685821657736338717UL;
        int centred = (int)(x >> 40) - (1 << 23);
        return centred / (float)(1 << 23) * amplitude;
    }

    public float[] Vector(int length, float amplitude)
    {
        var v = new float[length];
        for (int i = 0; i < v.Length; i++) v[i] = Uniform(amplitude);
        return v;
    }
}
