using System.Collections.Generic;

namespace LoraLego.Bench.Quality;

/// <summary>Every knob of the benchmark; <see cref="Full"/> is what docs/benchmarks.md reports.</summary>
internal sealed record QualityConfig
{
    public int InputDim { get; init; } = 32;
    public int Hidden { get; init; } = 64;
    public int Classes { get; init; } = 10;

    public int GenericBlobsPerClass { get; init; } = 3;
    public double GenericCentreStd { get; init; } = 1.0;
    public double GenericNoiseStd { get; init; } = 1.0;
    public int GenericTrainSamples { get; init; } = 6000;
    public int BaseEpochs { get; init; } = 15;
    public double BaseLearningRate { get; init; } = 2e-3;

    public int TaskSubspaceDim { get; init; } = 4;
    public double TaskOffsetStd { get; init; } = 0.3;
    public double TaskCentreStd { get; init; } = 1.5;
    public double TaskNoiseStd { get; init; } = 0.45;
    public double TaskAmbientNoiseStd { get; init; } = 0.1;
    /// <summary>All tasks draw their latent class centres from one shared set (each in its own subspace).</summary>
    public bool TaskSharedCentres { get; init; } = true;
    /// <summary>Random transpositions applied to each task's class map (0: every task labels the shared centres alike).</summary>
    public int TaskLabelSwaps { get; init; } = 3;
    public int TaskTrainSamples { get; init; } = 3000;

    public int ValidationSamples { get; init; } = 300;
    public int TestSamples { get; init; } = 1000;

    public int Rank { get; init; } = 4;
    public double Alpha { get; init; } = 8;

    /// <summary>
    /// 1: every LoRA has α = <see cref="Alpha"/>. Otherwise task t gets α·Spread^((t mod 3) − 1), i.e.
    /// α/Spread, α, α·Spread in turn: LoRAs of unequal size, as real adapters often are.
    /// </summary>
    public double AlphaSpread { get; init; } = 1;

    public double AlphaOf(int task) => Alpha * System.Math.Pow(AlphaSpread, (task % 3) - 1);
    /// <summary>LoRA on the output layer too (the two hidden layers always carry one).</summary>
    public bool LoraOnOutputLayer { get; init; } = true;
    public int LoraEpochs { get; init; } = 25;
    public double LoraLearningRate { get; init; } = 5e-3;
    public int Batch { get; init; } = 64;

    public IReadOnlyList<int> Seeds { get; init; } = new[] { 1, 2, 3, 4, 5, 6, 7, 8 };
    public IReadOnlyList<int> TaskCounts { get; init; } = new[] { 2, 4, 8 };
    public IReadOnlyList<double> ScaleGrid { get; init; } = new[] { 0.25, 0.5, 0.75, 1, 1.5, 2 };

    public int[] Dims => new[] { InputDim, Hidden, Hidden, Classes };

    public static QualityConfig Full => new();

    /// <summary>A smoke run: fewer seeds, smaller T, smaller data. Same code path.</summary>
    public static QualityConfig Quick => new()
    {
        Seeds = new[] { 1, 2 },
        TaskCounts = new[] { 2, 4 },
        GenericTrainSamples = 3000,
        TaskTrainSamples = 1500,
        TestSamples = 500,
        ValidationSamples = 200,
        BaseEpochs = 8,
        LoraEpochs = 15,
    };
}
