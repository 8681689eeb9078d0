using System;
using LoraLego.Bench.Quality.Numerics;

namespace LoraLego.Bench.Quality.Data;

/// <summary>
/// The synthetic tasks. The generic task is a Gaussian mixture spread over the whole input space
/// (several blobs per class), so the base network learns broadly useful ReLU features. Each
/// specialised task lives near its own random low-dimensional subspace and offset, with its own
/// class centres there: its labels are unrelated to the generic ones, so the base network is near
/// chance, while a low-rank update that reads that subspace can solve it. Different tasks share the
/// ten output classes and overlap in input space only by chance, which is the interference a merge
/// has to survive.
/// </summary>
internal sealed class TaskGenerator
{
    private readonly QualityConfig _config;

    public TaskGenerator(QualityConfig config) => _config = config;

    public TaskData Generic(int seed)
    {
        var rng = new SeededRandom(seed);
        int d = _config.InputDim, classes = _config.Classes, blobs = _config.GenericBlobsPerClass;
        var centres = new float[classes * blobs][];
        for (int c = 0; c < centres.Length; c++) centres[c] = rng.GaussianArray(d, _config.GenericCentreStd);

        Dataset Draw(int n)
        {
            var x = new float[n * d];
            var y = new int[n];
            for (int s = 0; s < n; s++)
            {
                int label = rng.Next(classes);
                var centre = centres[label * blobs + rng.Next(blobs)];
                for (int i = 0; i < d; i++) x[s * d + i] = centre[i] + (float)(_config.GenericNoiseStd * rng.Gaussian());
                y[s] = label;
            }

            return new Dataset(x, y, d);
        }

        return new TaskData("generic", Draw(_config.GenericTrainSamples), Draw(_config.ValidationSamples), Draw(_config.TestSamples));
    }

    public TaskData Specialised(int seed, int taskIndex)
    {
        var rng = new SeededRandom(unchecked(seed * 7919 + 104729 * (taskIndex + 1)));
        int d = _config.InputDim, classes = _config.Classes, sub = _config.TaskSubspaceDim;
        var basis = rng.OrthonormalBasis(d, sub);
        var offset = rng.GaussianArray(d, _config.TaskOffsetStd);
        var centreRng = _config.TaskSharedCentres ? new SeededRandom(unchecked(seed * 7919 + 3)) : rng;
        var centres = new float[classes][];
        for (int c = 0; c < classes; c++) centres[c] = centreRng.GaussianArray(sub, _config.TaskCentreStd);
        var labelOf = new int[classes];
        for (int c = 0; c < classes; c++) labelOf[c] = c;
        for (int s = 0; s < _config.TaskLabelSwaps; s++)
        {
            int i = rng.Next(classes), j = rng.Next(classes);
            (labelOf[i], labelOf[j]) = (labelOf[j], labelOf[i]);
        }

        Dataset Draw(int n)
        {
            var x = new float[n * d];
            var y = new int[n];
            var z = new double[sub];
            for (int s = 0; s < n; s++)
            {
                int label = rng.Next(classes);
                for (int j = 0; j < sub; j++) z[j] = centres[label][j] + _config.TaskNoiseStd * rng.Gaussian();
                for (int i = 0; i < d; i++)
                {
                    double v = offset[i] + _config.TaskAmbientNoiseStd * rng.Gaussian();
                    for (int j = 0; j < sub; j++) v += basis[j][i] * z[j];
                    x[s * d + i] = (float)v;
                }

                y[s] = labelOf[label];
            }

            return new Dataset(x, y, d);
        }

        return new TaskData($"task{taskIndex}", Draw(_config.TaskTrainSamples), Draw(_config.ValidationSamples), Draw(_config.TestSamples));
    }
}
