using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

public class HotBinsTests
{
    [Fact]
    public void Freeze_CodesAcrossTheWholeRange_PacksEveryCountInCodeOrder()
    {
        // Arrange: codes far apart force the dense array to grow and re-centre.
        var bins = new HotBins();
        bins.Add(2000);
        bins.Add(1);
        bins.Add(1);
        bins.Add(SketchMapping.CodeCount - 1);
        bins.Add(1);
        bins.Add(SketchMapping.CodeCount - 1);

        // Act
        var packed = bins.Freeze();

        // Assert
        Assert.Equal(
            [SketchMapping.Pack(1, 3), SketchMapping.Pack(2000, 1), SketchMapping.Pack(SketchMapping.CodeCount - 1, 2)],
            packed);
        Assert.True(bins.IsEmpty);
    }

    [Fact]
    public void Freeze_AfterFreeze_StartsFromNothing()
    {
        // Arrange
        var bins = new HotBins();
        bins.Add(700);
        bins.Freeze();

        // Act
        var empty = bins.Freeze();
        bins.Add(701);
        var next = bins.Freeze();

        // Assert
        Assert.Empty(empty);
        Assert.Equal([SketchMapping.Pack(701, 1)], next);
    }

    [Fact]
    public void AddTo_Accumulator_CopiesCountsAndKeepsThem()
    {
        // Arrange
        var bins = new HotBins();
        bins.Add(1500);
        bins.Add(1500);
        bins.Add(1600);
        var accumulator = new WindowAccumulator();
        accumulator.AddStats(3, 0, 0, double.MaxValue, 0, 0, isError: false);

        // Act
        bins.AddTo(accumulator);

        // Assert
        Assert.Equal([SketchMapping.Pack(1500, 2), SketchMapping.Pack(1600, 1)], accumulator.PackBins());
        Assert.False(bins.IsEmpty);
        Assert.Equal(3, bins.Freeze().Sum(entry => (long)SketchMapping.PackedCount(entry)));
    }
}
