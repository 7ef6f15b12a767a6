using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

public class SketchMappingTests
{
    // Floating-point slack for values that sit exactly on a bin boundary.
    private const double Tolerance = SketchMapping.RelativeAccuracy * (1 + 1e-9);

    [Theory]
    [InlineData(1.000001e-6)]
    [InlineData(0.001)]
    [InlineData(0.5)]
    [InlineData(1)]
    [InlineData(1.0202)]
    [InlineData(3.14159)]
    [InlineData(99.9)]
    [InlineData(1000)]
    [InlineData(123456.789)]
    [InlineData(1e12)]
    [InlineData(1e20)]
    public void CodeValue_OfValuesCode_IsWithinRelativeAccuracy(double value)
    {
        // Arrange
        var code = SketchMapping.Code(value);

        // Act
        var representative = SketchMapping.CodeValue(code);

        // Assert
        Assert.InRange(SampleData.RelativeError(representative, value), 0, Tolerance);
    }

    [Fact]
    public void CodeValue_ManyRandomValues_AllWithinRelativeAccuracy()
    {
        // Arrange: log-uniform over 1e-5 .. 1e15.
        var random = new Random(7);
        var worst = 0.0;

        // Act
        for (var i = 0; i < 100_000; i++)
        {
            var value = Math.Pow(10, -5 + (20 * random.NextDouble()));
            worst = Math.Max(worst, SampleData.RelativeError(SketchMapping.CodeValue(SketchMapping.Code(value)), value));
        }

        // Assert: within α, and the bins are not wastefully narrow (the bound is nearly reached).
        Assert.InRange(worst, SketchMapping.RelativeAccuracy * 0.99, Tolerance);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1e-9)]
    [InlineData(1e-6)]
    [InlineData(-5)]
    [InlineData(double.NaN)]
    public void Index_ZeroTinyOrInvalidValue_MapsToZeroBinWithValueZero(double value)
    {
        // Act
        var index = SketchMapping.Index(value);

        // Assert
        Assert.Equal(SketchMapping.ZeroIndex, index);
        Assert.Equal(0, SketchMapping.Code(value));
        Assert.Equal(0.0, SketchMapping.Value(index));
    }

    [Theory]
    [InlineData(1e27)]
    [InlineData(1e30)]
    [InlineData(double.MaxValue)]
    [InlineData(double.PositiveInfinity)]
    public void Index_HugeValue_ClampedToMaxIndexWithValidCode(double value)
    {
        // Act
        var index = SketchMapping.Index(value);
        var code = SketchMapping.Code(value);

        // Assert
        Assert.Equal(SketchMapping.MaxIndex, index);
        Assert.Equal(SketchMapping.CodeCount - 1, code);
        Assert.True(double.IsFinite(SketchMapping.CodeValue(code)));
    }

    [Fact]
    public void Code_SmallestIndexableValue_IsAboveZeroCodeAndFitsTwelveBits()
    {
        // Act
        var code = SketchMapping.Code(SketchMapping.MinIndexableValue * (1 + 1e-12));

        // Assert
        Assert.InRange(code, 1, (1 << (32 - SketchMapping.CountBits)) - 1);
        Assert.Equal(4096, SketchMapping.CodeCount);
    }

    [Fact]
    public void Index_IncreasingValues_NeverDecreases()
    {
        // Arrange
        var previous = int.MinValue;

        // Act / Assert
        for (var value = 1e-6; value < 1e28; value *= 1.003)
        {
            var index = SketchMapping.Index(value);
            Assert.True(index >= previous, $"Index({value}) = {index} < {previous}");
            previous = index;
        }
    }

    [Theory]
    [InlineData(0, 1u)]
    [InlineData(1, 0u)]
    [InlineData(1024, 12345u)]
    [InlineData(4095, SketchMapping.MaxPackedCount)]
    public void Pack_CodeAndCount_RoundTrips(int code, uint count)
    {
        // Act
        var packed = SketchMapping.Pack(code, count);

        // Assert
        Assert.Equal(code, SketchMapping.PackedCode(packed));
        Assert.Equal(count, SketchMapping.PackedCount(packed));
    }
}
