using OxyPlot;

namespace LoraLego.Reporting;

/// <summary>
/// Text sizes for laying out the SVG charts. SvgExporter's default measurer (PdfRenderContext)
/// measures in points with Helvetica's metrics, while the browser draws font-size in CSS pixels
/// (4/3 of a point): legends and margins came out a quarter too small and clipped their last
/// label. Measuring at 4/3 the size gives pixel widths; Arial and Liberation Sans share
/// Helvetica's metrics, so the layout fits the text the browser draws.
/// </summary>
internal sealed class PixelTextMeasurer : PdfRenderContext
{
    private const double PixelsPerPoint = 96.0 / 72.0;

    public PixelTextMeasurer(double width, double height)
        : base(width, height, OxyColors.White)
    {
    }

    public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight) =>
        base.MeasureText(text, fontFamily, fontSize * PixelsPerPoint, fontWeight);
}
