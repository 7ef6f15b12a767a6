using Vigil.Dashboard.Charts;

namespace Vigil.Server.Tests.Dashboard;

/// <summary>Issue 13, item 7: the operations table's sparkline geometry (inline SVG drawn on the server).</summary>
public sealed class SparklineTests
{
    [Fact]
    public void Of_ValuesWithAGap_TwoSegmentsScaledToTheBox()
    {
        // Five hours: 10, 20, none, 30, 40; no band.
        var spark = Sparkline.Of([10, 20, null, 30, 40], null, null, [])!;

        // x from 2 to 118 in steps of 29; y from 26 (10, the lowest) to 2 (40, the highest).
        Assert.Equal("M2 26 L31 18 M89 10 L118 2", spark.Path);
        Assert.Null(spark.BandTop);
        Assert.Empty(spark.Markers);
    }

    [Fact]
    public void Of_BandAndMarkers_BandWidensTheScale_MarkersClampedToTheEnds()
    {
        var spark = Sparkline.Of([100, 100, 100], 90, 110, [1, -5, 7])!;

        Assert.Equal(2, spark.BandTop);      // 110, the top of the scale
        Assert.Equal(26, spark.BandBottom);  // 90, its bottom
        Assert.Equal("M2 14 L60 14 L118 14", spark.Path);
        Assert.Equal([60, 2, 118], spark.Markers);
    }

    [Fact]
    public void Of_LoneValueOrNothing_DotOrNull()
    {
        Assert.Equal("M2 14 h0.01 M118 14 h0.01", Sparkline.Of([5, null, 5], null, null, [])!.Path);
        Assert.Null(Sparkline.Of([null, null], 1, 2, [0]));
        Assert.Null(Sparkline.Of([], null, null, []));
    }
}
