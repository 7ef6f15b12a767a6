using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Metrics;

public class LabelSetTests
{
    [Fact]
    public void SeriesKey_LabelsInAnyOrder_SortedByName()
    {
        // Arrange
        var labels = SampleData.Labels(("route", "/users"), ("method", "GET"));

        // Act
        var key = LabelSet.SeriesKey("http_request_ms", labels);

        // Assert
        Assert.Equal("http_request_ms{method=\"GET\",route=\"/users\"}", key);
    }

    [Fact]
    public void SeriesKey_NoLabels_IsTheBareName()
    {
        // Act
        var key = LabelSet.SeriesKey("uptime", LabelSet.Empty);

        // Assert
        Assert.Equal("uptime", key);
    }

    [Fact]
    public void SeriesKey_SpecialCharacters_EscapedAsPrometheus()
    {
        // Arrange
        var labels = SampleData.Labels(("path", "C:\\tmp"), ("quote", "say \"hi\""), ("text", "a\nb"));

        // Act
        var key = LabelSet.SeriesKey("m", labels);

        // Assert
        Assert.Equal("m{path=\"C:\\\\tmp\",quote=\"say \\\"hi\\\"\",text=\"a\\nb\"}", key);
    }

    [Fact]
    public void ParseKeyLabels_KeyWithEscapesAndSeparatorsInValues_RoundTrips()
    {
        // Arrange
        var labels = SampleData.Labels(("a", "x,y}z"), ("b", "back\\slash \"q\"\nnext"), ("c", ""));
        var key = LabelSet.SeriesKey("m", labels);

        // Act
        var parsed = LabelSet.ParseKeyLabels(key);

        // Assert
        Assert.Equal(labels, parsed);
        Assert.Equal(key, LabelSet.SeriesKey("m", parsed));
    }

    [Fact]
    public void ParseKeyLabels_BareName_IsEmpty()
    {
        // Act
        var parsed = LabelSet.ParseKeyLabels("uptime");

        // Assert
        Assert.Same(LabelSet.Empty, parsed);
    }

    [Fact]
    public void Equals_SamePairsInAnotherOrder_EqualWithSameHash()
    {
        // Arrange
        var first = SampleData.Labels(("a", "1"), ("b", "2"));
        var second = SampleData.Labels(("b", "2"), ("a", "1"));

        // Act
        var equal = first.Equals(second);

        // Assert
        Assert.True(equal);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.NotEqual(first, SampleData.Labels(("a", "1"), ("b", "3")));
    }

    [Fact]
    public void From_DuplicateName_LaterValueWins()
    {
        // Act
        var labels = SampleData.Labels(("status", "200"), ("status", "500"));

        // Assert
        Assert.Equal(1, labels.Count);
        Assert.Equal("500", labels["status"]);
        Assert.Null(labels["missing"]);
    }
}
