using System;
using LoraLego.Diagnostics;
using LoraLego.SafeTensors;
using Xunit;

namespace LoraLego.Tests.SafeTensors;

internal static class SafeTensorAssert
{
    /// <summary>Asserts the failure kind and that ErrorId, Target and message name the file (and tensor).</summary>
    public static SafeTensorsException Fails(SafeTensorsErrorKind kind, string path, Action action, string? tensor = null, LoraErrorCategory? category = null)
    {
        var ex = Assert.Throws<SafeTensorsException>(action);
        Assert.Equal(kind, ex.Kind);
        Assert.Equal("SafeTensors" + kind, ex.ErrorId);
        Assert.Equal(System.IO.Path.GetFullPath(path), ex.Target);
        Assert.Equal(ex.Target, ex.Path);
        Assert.Contains(ex.Path, ex.Message);
        Assert.IsAssignableFrom<LoraLegoException>(ex);
        if (tensor != null)
        {
            Assert.Equal(tensor, ex.TensorName);
            Assert.Contains("'" + tensor + "'", ex.Message);
        }

        if (category != null)
        {
            Assert.Equal(category, ex.Category);
        }

        return ex;
    }

    public static SafeTensorsException OpenFails(SafeTensorsErrorKind kind, string path, string? tensor = null) =>
        Fails(kind, path, () => SafeTensorFile.Open(path), tensor, LoraErrorCategory.InvalidData);
}
