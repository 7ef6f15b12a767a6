using Vigil.Core.Queries;
using Vigil.Dashboard.Overview;

namespace Vigil.Dashboard.Tests.Overview;

/// <summary>Seed 002's bottleneck rules: average over 60 s medium, over 120 s high; failures over 25 % medium, over 50 % high.</summary>
public sealed class BottleneckTests
{
    [Theory]
    [InlineData(60_000, 100, null, null)]
    [InlineData(60_001, 100, "slow", "medium")]
    [InlineData(120_000, 100, "slow", "medium")]
    [InlineData(120_001, 100, "slow", "high")]
    [InlineData(1_000, 75, null, null)]
    [InlineData(1_000, 74.9, "failing", "medium")]
    [InlineData(1_000, 50, "failing", "medium")]
    [InlineData(1_000, 49.9, "failing", "high")]
    public void Find_OneJob_KindAndSeverityByTheSeedRules(double avgMs, double successRate, string? kind, string? severity)
    {
        var found = Bottleneck.Find([new JobFigures("job", 100, 0, successRate, avgMs, avgMs)]);

        if (kind is null)
        {
            Assert.Empty(found);
        }
        else
        {
            var bottleneck = Assert.Single(found);
            Assert.Equal((kind, severity), (bottleneck.Kind, bottleneck.Severity));
        }
    }

    [Fact]
    public void Find_SeveralJobs_HighFirstThenByJob()
    {
        var found = Bottleneck.Find(
        [
            new JobFigures("b", 10, 3, 70, 61_000, 70_000),
            new JobFigures("a", 10, 0, 100, 200_000, 250_000),
            new JobFigures("c", 10, 0, 100, 10, 20),
        ]);

        Assert.Equal(["a slow high", "b failing medium", "b slow medium"], found.Select(b => $"{b.JobId} {b.Kind} {b.Severity}"));
    }
}
