namespace LoraLego.Bench.Quality.Data;

/// <summary>Labelled samples, row-major inputs (Count × Features).</summary>
internal sealed class Dataset
{
    public Dataset(float[] x, int[] y, int features)
    {
        X = x;
        Y = y;
        Features = features;
    }

    public float[] X { get; }

    public int[] Y { get; }

    public int Features { get; }

    public int Count => Y.Length;
}

/// <summary>One task's train / validation / test splits (validation picks output scales; test is reported).</summary>
internal sealed record TaskData(string Name, Dataset Train, Dataset Validation, Dataset Test);
