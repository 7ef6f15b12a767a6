using Vigil.Errors.Issues;
using Vigil.Storage.Errors;

namespace Vigil.Errors.Tests.Issues;

public sealed class SpikeRuleTests
{
    private const long Minute = 60_000;
    private static readonly long Now = 1_000 * 60 * Minute;
    private static readonly StoredIssue OldIssue = new() { Id = "iss_1", FirstSeenMs = Now - (3 * 60 * Minute) };

    private static List<MinuteCount> Steady(long perMinute) =>
        [.. Enumerable.Range(5, 60).Select(back => new MinuteCount { MinuteMs = Now - (back * Minute), Events = perMinute })];

    [Fact]
    public void Judge_FarAboveTheMedian_Spike()
    {
        var minutes = Steady(1);
        minutes.Add(new MinuteCount { MinuteMs = Now, Events = 40 });

        var (holds, recent, threshold) = SpikeRule.Judge(OldIssue, minutes, Now, new ErrorOptions());

        Assert.True(holds);
        Assert.Equal((40, 25.0), (recent, threshold)); // baseline 5 per 5 minutes, times 5
    }

    [Fact]
    public void Judge_OneEarlierBurst_DoesNotRaiseTheBaseline()
    {
        var minutes = Steady(0);
        minutes.Add(new MinuteCount { MinuteMs = Now - (30 * Minute), Events = 500 });
        minutes.Add(new MinuteCount { MinuteMs = Now - Minute, Events = 25 });

        Assert.True(SpikeRule.Judge(OldIssue, minutes, Now, new ErrorOptions()).Holds);
    }

    [Fact]
    public void Judge_SteadyRateOrFewEvents_NoSpike()
    {
        var steady = Steady(10);
        steady.Add(new MinuteCount { MinuteMs = Now, Events = 10 });
        var few = new List<MinuteCount> { new() { MinuteMs = Now, Events = 19 } };

        Assert.False(SpikeRule.Judge(OldIssue, steady, Now, new ErrorOptions()).Holds);
        Assert.False(SpikeRule.Judge(OldIssue, few, Now, new ErrorOptions()).Holds);
    }

    [Fact]
    public void Judge_IssueYoungerThanItsBaseline_NotJudged()
    {
        var young = OldIssue with { FirstSeenMs = Now - (10 * Minute) };

        Assert.False(SpikeRule.Judge(young, [new MinuteCount { MinuteMs = Now, Events = 1000 }], Now, new ErrorOptions()).Holds);
    }
}
