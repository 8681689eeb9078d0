using System;

namespace LoraLego.SafeTensors;

/// <summary>
/// Fills <paramref name="destination"/> with a tensor's float32 values from element
/// <paramref name="start"/> on (row-major order), for <see cref="SafeTensorWriter"/> to encode and
/// write chunk by chunk.
/// </summary>
public delegate void Float32ChunkSource(long start, Span<float> destination);
