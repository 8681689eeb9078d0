namespace LoraLego.Reporting;

/// <summary>Stable ErrorIds of Export-LoraReport (the output ones are shared with the adapter writer: OutputExists, OutputWriteFailed).</summary>
public static class ReportErrorIds
{
    /// <summary>Nothing to report: no adapter, merge or centroid reached the report.</summary>
    public const string ReportInputMissing = nameof(ReportInputMissing);

    /// <summary>-Merged without -Source: retention and before/after spectra need the sources.</summary>
    public const string ReportSourceMissing = nameof(ReportSourceMissing);

    /// <summary>A unit that is not a cluster centroid was given as a centroid.</summary>
    public const string ReportNotACentroid = nameof(ReportNotACentroid);

    /// <summary>The output path is not an .html or .htm file.</summary>
    public const string ReportPathInvalid = nameof(ReportPathInvalid);
}
