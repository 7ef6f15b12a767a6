using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Alerts;

public sealed class SeriesLevelsTests
{
    private const long Minute = 29_000_000;

    private static readonly LabelSet Fast = Route("/fast");
    private static readonly LabelSet Usual = Route("/usual");
    private static readonly LabelSet Slow = Route("/slow");

    [Theory]
    [InlineData(8)]
    [InlineData(200)]
    public void RoutesOfDifferentSpeeds_LearnHowFarApartTheyRun_WithinHours_TheirLevelsCentred(int perMinute)
    {
        var levels = new SeriesLevels();
        var random = new Random(3);
        Learn(levels, random, 0, 6 * 60, perMinute);

        Assert.Equal(Math.Log(2.2 / 0.6), levels.LevelOf(Slow) - levels.LevelOf(Fast), 0.08);
        Assert.Equal(Math.Log(2.2), levels.LevelOf(Slow) - levels.LevelOf(Usual), 0.08);
        var centre = (0.2 * levels.LevelOf(Fast)) + (0.7 * levels.LevelOf(Usual)) + (0.1 * levels.LevelOf(Slow));
        Assert.Equal(0, centre, 0.03); // their mean, weighted by the requests, is 0: moved requests keep the group's level
    }

    [Fact]
    public void AMinuteOfTheSlowRouteAlone_IsMovedToWhereTheOthersAre()
    {
        var levels = new SeriesLevels();
        var random = new Random(4);
        Learn(levels, random, 0, 6 * 60, 20);

        var usual = Median(levels.Move(Tally(6 * 60, (Usual, Enumerable.Repeat(100.0, 9))), Hour(6 * 60)).Values);
        var slow = Median(levels.Move(Tally((6 * 60) + 1, (Slow, Enumerable.Repeat(220.0, 3))), Hour((6 * 60) + 1)).Values);

        Assert.Equal(usual, slow, 0.08); // three requests of the slow route at its usual 220 ms are no slower than nine of the usual route at 100
    }

    [Fact]
    public void LogMedian_MergesTheSeriesMovedValues_UpToTheMiddle_AsASortOfThemAll()
    {
        var levels = new SeriesLevels();
        var random = new Random(7);
        for (var m = 0; m < 3 * 60; m++)
        {
            var tally = Mixed(random, m, 1 + (m % 40), [0.2, 0.7, 0.1]);
            var moved = levels.Move(tally, Hour(m));
            Assert.Equal(Median(moved.Values), moved.LogMedian(), 12); // odd and even counts, one to three series
            var asSent = tally.Parts.ToArray().SelectMany(p => p.Bins).Select(b => new SeriesLevels.MovedValue(SequentialTest.LogValue(SketchMapping.PackedCode(b)), SketchMapping.PackedCount(b))).ToArray();
            Assert.Equal(Median(asSent), moved.LogMedian(asSent: true), 12);
        }
    }

    [Fact]
    public void AMovedMinute_ReadAfterTheNextMoveOnItsThread_IsRefused()
    {
        var (levels, others) = (new SeriesLevels(), new SeriesLevels());
        var random = new Random(3);
        var first = levels.Move(Mixed(random, 0, 12, [0.2, 0.7, 0.1]), Hour(0));
        var median = first.LogMedian();
        var second = others.Move(Mixed(random, 1, 7, [0.2, 0.7, 0.1]), Hour(1)); // another group, the same thread's room
        var refused = false;
        try
        {
            _ = first.LogMedian();
        }
        catch (InvalidOperationException)
        {
            refused = true;
        }

        Assert.False(double.IsNaN(median));
        Assert.True(refused);
        Assert.Equal(Median(second.Values), second.LogMedian(), 12);
    }

    [Fact]
    public void OneSeries_IsNotMoved()
    {
        var levels = new SeriesLevels();
        var random = new Random(5);
        for (var m = 0; m < 120; m++)
        {
            var tally = Tally(m, (Usual, Enumerable.Range(0, 10).Select(_ => 100 * Math.Exp(0.4 * Normal(random)))));
            var moved = levels.Move(tally, Hour(m)).Values.ToArray();
            Assert.Equal(tally.Parts.Span[0].Bins.Select(b => SequentialTest.LogValue(SketchMapping.PackedCode(b))), moved.Select(v => v.Log)); // exactly as sent
        }

        Assert.Equal(0, levels.LevelOf(Usual), 12);
    }

    [Fact]
    public void AHealthCheckAHundredTimesFasterThanTheEndpoints_LearnsItsWholeDistance()
    {
        var levels = new SeriesLevels();
        var random = new Random(8);
        var health = Route("/health");
        for (var m = 0; m < 6 * 60; m++)
        {
            levels.Move(Tally(m, (health, Enumerable.Range(0, 3).Select(_ => 1 * Math.Exp(0.3 * Normal(random)))), (Usual, Enumerable.Range(0, 27).Select(_ => 100 * Math.Exp(0.3 * Normal(random))))), Hour(m));
        }

        Assert.InRange(levels.LevelOf(Usual) - levels.LevelOf(health), 4.3, 4.7); // 4.6 logarithms (a few hundredths off for the prior), though each request's distance is clipped at 3 from the level so far
    }

    [Fact]
    public void ARouteSlowForHalfAnHour_MovesItsLevelLittle_ARouteNotSeenForAWeek_IsForgotten()
    {
        var levels = new SeriesLevels();
        var random = new Random(6);
        Learn(levels, random, 0, 12 * 60, 30);

        var before = levels.LevelOf(Slow) - levels.LevelOf(Usual);
        Learn(levels, random, 12 * 60, (12 * 60) + 30, 30, slowRouteFactor: 3);

        var after = levels.LevelOf(Slow) - levels.LevelOf(Usual);
        Assert.InRange(after - before, 0, 0.1); // three times slower (1.1 logarithms) for 30 minutes: a small share of a day's level

        for (var m = (12 * 60) + 30; m < 9 * 24 * 60; m += 10)
        {
            levels.Move(Tally(m, (Usual, [100, 110]), (Fast, [60, 65])), Hour(m));
        }

        Assert.Equal(2, levels.Count); // the slow route, gone eight days, is forgotten
        Assert.Equal(Math.Log(100.0 / 62), levels.LevelOf(Usual) - levels.LevelOf(Fast), 0.1);
    }

    private static long Hour(int minute) => (Minute + minute) / 60;

    /// <summary>A minute of requests over the three routes (0.6, 1 and 2.2 times 100 ms, log-normal with σ 0.4), drawn by <paramref name="shares"/>.</summary>
    /// <summary>Moves minutes [<paramref name="from"/>, <paramref name="to"/>) of the three routes mixed as usual (a fifth, seven tenths, a tenth).</summary>
    private static void Learn(SeriesLevels levels, Random random, int from, int to, int perMinute, double slowRouteFactor = 1)
    {
        for (var m = from; m < to; m++)
        {
            levels.Move(Mixed(random, m, perMinute, [0.2, 0.7, 0.1], slowRouteFactor), Hour(m));
        }
    }

    private static MinuteTally Mixed(Random random, int minute, int requests, double[] shares, double slowRouteFactor = 1)
    {
        double[] medians = [60, 100, 220 * slowRouteFactor];
        LabelSet[] routes = [Fast, Usual, Slow];
        var values = new List<double>[3];
        for (var i = 0; i < requests; i++)
        {
            var (u, r) = (random.NextDouble(), 0);
            while (r < 2 && u >= shares[r])
            {
                u -= shares[r++];
            }

            (values[r] ??= []).Add(medians[r] * Math.Exp(0.4 * Normal(random)));
        }

        return Tally(minute, [.. Enumerable.Range(0, 3).Where(r => values[r] is not null).Select(r => (routes[r], (IEnumerable<double>)values[r]))]);
    }

    private static MinuteTally Tally(int minute, params (LabelSet Route, IEnumerable<double> Values)[] parts)
    {
        var requests = parts.Sum(p => p.Values.Count());
        return new MinuteTally(Minute + minute, requests, requests, 0, Parts: parts.Select(p => new MinutePart(p.Route, Bins(p.Values))).ToArray());
    }

    private static double Median(ReadOnlySpan<SeriesLevels.MovedValue> values)
    {
        var all = new List<double>();
        foreach (var (log, count) in values)
        {
            all.AddRange(Enumerable.Repeat(log, (int)count));
        }

        all.Sort();
        return all.Count % 2 == 1 ? all[all.Count / 2] : (all[(all.Count / 2) - 1] + all[all.Count / 2]) / 2;
    }

    private static uint[] Bins(IEnumerable<double> values) =>
        [.. values.GroupBy(SketchMapping.Code).OrderBy(g => g.Key).Select(g => SketchMapping.Pack(g.Key, (uint)g.Count()))];

    private static LabelSet Route(string route) => LabelSet.From(new Dictionary<string, string> { ["route"] = route });

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
