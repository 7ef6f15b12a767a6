using Vigil.Core.Baselines;
using static Vigil.Core.Tests.Baselines.SyntheticSeries;

namespace Vigil.Core.Tests.Baselines;

public sealed class SeasonalBaselineTests
{
    private static readonly long Monday0930Week3 = StartMs + (3 * WeekMs) + (9 * HourMs) + (30 * 60_000);

    [Fact]
    public void AsOf_MondayNineAfterThreeWeeks_TracksMondayMornings()
    {
        var series = new SyntheticSeries(seed: 1);
        var baseline = Fill(new SeasonalBaseline(), series, StartMs, Monday0930Week3);

        var monday = baseline.AsOf(Monday0930Week3)!;

        Assert.Equal(BaselineLevel.HourOfWeek, monday.Level);
        Assert.Equal(9, monday.Slot); // Monday 09:00-10:00
        Assert.Equal(3, monday.Occurrences);
        Assert.Equal(180, monday.SampleCount);
        Assert.Equal(StartMs + (9 * HourMs), monday.CoveredFromMs);
        Assert.Equal(StartMs + (2 * WeekMs) + (9 * HourMs) + (59 * 60_000), monday.CoveredToMs);
        var expected = HourMedian(series, StartMs + (9 * HourMs));
        Assert.InRange(monday.Center, expected * 0.96, expected * 1.04);

        // Tuesday 09:00 has no Monday-morning boost: its baseline is ~1.3x lower, and the hour-of-day mix would sit between.
        var tuesdayBaseline = Fill(new SeasonalBaseline(), new SyntheticSeries(seed: 1), StartMs, Monday0930Week3 + DayMs);
        var tuesday = tuesdayBaseline.AsOf(Monday0930Week3 + DayMs)!;
        Assert.Equal(BaselineLevel.HourOfWeek, tuesday.Level);
        Assert.InRange(monday.Center / tuesday.Center, 1.22, 1.38);
    }

    [Fact]
    public void AsOf_ShortHistory_FallsBackPerSlotAsDocumented()
    {
        var series = new SyntheticSeries(seed: 2);
        var baseline = new SeasonalBaseline();
        Assert.Null(baseline.AsOf(StartMs));

        // 29 minutes: fewer than MinSamples (30) anywhere, and the current hour never counts.
        Fill(baseline, series, StartMs, StartMs + (29 * 60_000));
        Assert.Null(baseline.AsOf(StartMs + (50 * 60_000)));

        // Two completed hours (00 and 01): no earlier day has 02:00, so the flat level.
        Fill(baseline, series, StartMs + (29 * 60_000), StartMs + (2 * HourMs));
        var flat = baseline.AsOf(StartMs + (2 * HourMs) + 1)!;
        Assert.Equal((BaselineLevel.Flat, 0, 120, 2), (flat.Level, flat.Slot, flat.SampleCount, flat.Occurrences));

        // Two days: 09:00 of day 2 has two past days (< MinDays 3): still flat; on day 3 it has three: the hour of the day.
        Fill(baseline, series, StartMs + (2 * HourMs), StartMs + (2 * DayMs) + (9 * HourMs));
        Assert.Equal(BaselineLevel.Flat, baseline.AsOf(StartMs + (2 * DayMs) + (9 * HourMs) + 1)!.Level);
        Fill(baseline, series, StartMs + (2 * DayMs) + (9 * HourMs), StartMs + (3 * DayMs) + (9 * HourMs));
        var byDay = baseline.AsOf(StartMs + (3 * DayMs) + (9 * HourMs) + 1)!;
        Assert.Equal((BaselineLevel.HourOfDay, 9, 180, 3), (byDay.Level, byDay.Slot, byDay.SampleCount, byDay.Occurrences));

        // One week: Monday 09:00 has one past Monday (< MinWeeks 2): the hour of the day over the 7 days.
        Fill(baseline, series, StartMs + (3 * DayMs) + (9 * HourMs), StartMs + WeekMs + (9 * HourMs));
        var oneWeek = baseline.AsOf(StartMs + WeekMs + (9 * HourMs) + 1)!;
        Assert.Equal((BaselineLevel.HourOfDay, 9, 420, 7), (oneWeek.Level, oneWeek.Slot, oneWeek.SampleCount, oneWeek.Occurrences));

        // Two weeks: Monday 09:00 has its own baseline.
        Fill(baseline, series, StartMs + WeekMs + (9 * HourMs), StartMs + (2 * WeekMs) + (9 * HourMs));
        var twoWeeks = baseline.AsOf(StartMs + (2 * WeekMs) + (9 * HourMs) + 1)!;
        Assert.Equal((BaselineLevel.HourOfWeek, 9, 120, 2), (twoWeeks.Level, twoWeeks.Slot, twoWeeks.SampleCount, twoWeeks.Occurrences));
    }

    [Fact]
    public void AsOf_SlotWithTooFewSamples_FallsBackEvenWithEnoughWeeks()
    {
        // A job that runs once an hour: 3 weeks give each hour of the week 3 observations and each hour of the day 21.
        var baseline = new SeasonalBaseline(new SeasonalBaselineOptions { MinSamples = 10 });
        for (var ms = StartMs; ms < StartMs + (3 * WeekMs); ms += HourMs)
        {
            baseline.Add(ms + (5 * 60_000), 42);
        }

        var estimate = baseline.AsOf(StartMs + (3 * WeekMs) + (9 * HourMs) + 1)!;

        Assert.Equal((BaselineLevel.HourOfDay, 21, 21), (estimate.Level, estimate.SampleCount, estimate.Occurrences));
        Assert.Equal(42, estimate.Center);
        Assert.Equal(0, estimate.Spread);
    }

    [Fact]
    public void AsOf_OneWeekWithMinWeeksOne_UsesTheHourOfWeek()
    {
        var baseline = Fill(new SeasonalBaseline(new SeasonalBaselineOptions { MinWeeks = 1 }), new SyntheticSeries(seed: 3), StartMs, StartMs + WeekMs);

        var estimate = baseline.AsOf(StartMs + WeekMs + (9 * HourMs) + 1)!;

        Assert.Equal((BaselineLevel.HourOfWeek, 1), (estimate.Level, estimate.Occurrences));
    }

    [Fact]
    public void AsOf_SpikesAndAThreeHourIncidentInHistory_BarelyMoveTheCenter()
    {
        var end = StartMs + (4 * WeekMs) + (10 * HourMs) + 1; // Monday 10:00 of week 4: four past Monday 10:00s
        var clean = Fill(new SeasonalBaseline(), new SyntheticSeries(seed: 4), StartMs, end);
        var dirtySeries = new SyntheticSeries(seed: 4);
        var incidentFrom = StartMs + WeekMs + (9 * HourMs); // week 1, Monday 09:00-12:00 at 3x
        var dirty = new SeasonalBaseline();
        var slotValues = new List<double>();
        var cleanSlotValues = new SyntheticSeries(seed: 4).Minutes(StartMs, end).Where(v => HourOfWeek.Of(v.Ms, TimeZoneInfo.Utc) == 10).Select(v => v.Value).ToList();
        var minute = 0;
        foreach (var (ms, value) in dirtySeries.Minutes(StartMs, end))
        {
            var v = value;
            if (ms >= incidentFrom && ms < incidentFrom + (3 * HourMs))
            {
                v *= 3;
            }
            else if (minute % 97 == 17)
            {
                v *= 10; // a one-minute spike every 97 minutes
            }

            dirty.Add(ms, v);
            if (HourOfWeek.Of(ms, TimeZoneInfo.Utc) == 10)
            {
                slotValues.Add(v);
            }

            minute++;
        }

        var before = clean.AsOf(end)!;
        var after = dirty.AsOf(end)!;

        Assert.Equal((BaselineLevel.HourOfWeek, 10, 4), (after.Level, after.Slot, after.Occurrences));
        // The mean and standard deviation of the same values move by half and by an order of magnitude.
        var (cleanMean, dirtyMean) = (cleanSlotValues.Average(), slotValues.Average());
        var (cleanDeviation, dirtyDeviation) = (StandardDeviation(cleanSlotValues), StandardDeviation(slotValues));
        Assert.True(dirtyMean > cleanMean * 1.4, $"mean {cleanMean:F1} → {dirtyMean:F1}");
        Assert.True(dirtyDeviation > cleanDeviation * 5, $"standard deviation {cleanDeviation:F1} → {dirtyDeviation:F1}");

        // Measured (seed 4): the center moves by +3.5 % and the robust σ by ×1.63 (an incident filling one of four weeks of the
        // slot), where the mean moves by +56 % and the standard deviation by ×14.6.
        Assert.InRange(after.Center / before.Center, 1.0, 1.06);
        Assert.InRange(after.Spread / before.Spread, 1.0, 1.8);
    }

    [Fact]
    public void AsOf_ObservationAtOrAfterTheInstant_Throws()
    {
        var baseline = Fill(new SeasonalBaseline(), new SyntheticSeries(seed: 5), StartMs, StartMs + DayMs);
        var last = baseline.LastObservationMs!.Value;

        Assert.Throws<ArgumentOutOfRangeException>(() => baseline.AsOf(last));
        Assert.NotNull(baseline.AsOf(last + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => baseline.AsOf(last)); // and instants do not go back
        Assert.Throws<ArgumentOutOfRangeException>(() => baseline.Add(last - 1, 1));
    }

    [Fact]
    public void AsOf_ValuesOfTheCurrentHour_DoNotCount()
    {
        // Flat only, so the hour in progress would count at every level once it is complete.
        var flatOnly = new SeasonalBaselineOptions { MinWeeks = 60, MinDays = 400 };
        var quiet = Fill(new SeasonalBaseline(flatOnly), new SyntheticSeries(seed: 6), StartMs, Monday0930Week3 - (30 * 60_000));
        var noisy = Fill(new SeasonalBaseline(flatOnly), new SyntheticSeries(seed: 6), StartMs, Monday0930Week3 - (30 * 60_000));
        for (var ms = Monday0930Week3 - (30 * 60_000); ms < Monday0930Week3; ms += 60_000)
        {
            noisy.Add(ms, 10_000); // the episode being judged
        }

        Assert.Equal(quiet.AsOf(Monday0930Week3), noisy.AsOf(Monday0930Week3));
        Assert.Equal(BaselineLevel.Flat, quiet.AsOf(Monday0930Week3)!.Level);
        Assert.NotEqual(quiet.AsOf(Monday0930Week3 + HourMs), noisy.AsOf(Monday0930Week3 + HourMs)); // from 10:00 the hour is complete and counts
    }

    [Fact]
    public void AsOf_IncrementalReplayOverAWeek_EqualsABaselineBuiltOnlyFromThePast()
    {
        var values = new SyntheticSeries(seed: 7).Minutes(StartMs, StartMs + (3 * WeekMs)).ToArray();
        var replayFrom = StartMs + (2 * WeekMs);
        var incremental = new SeasonalBaseline();
        var answers = new Dictionary<long, BaselineEstimate?>();
        var next = 0;
        for (var t = replayFrom; t < StartMs + (3 * WeekMs); t += 60_000)
        {
            while (values[next].Ms < t)
            {
                incremental.Add(values[next].Ms, values[next].Value);
                next++;
            }

            answers[t] = incremental.AsOf(t);
        }

        var random = new Random(7);
        for (var i = 0; i < 12; i++)
        {
            var t = replayFrom + (random.Next(0, 7 * 24 * 60) * 60_000L);
            var fresh = new SeasonalBaseline();
            foreach (var (ms, value) in values.TakeWhile(v => v.Ms < t))
            {
                fresh.Add(ms, value);
            }

            Assert.Equal(fresh.AsOf(t), answers[t]);
        }
    }

    [Fact]
    public void AsOf_HistoryOlderThanTheWindow_IsForgotten()
    {
        var baseline = Fill(new SeasonalBaseline(new SeasonalBaselineOptions { History = TimeSpan.FromDays(14) }), new SyntheticSeries(seed: 8), StartMs, StartMs + (4 * WeekMs));

        var estimate = baseline.AsOf(StartMs + (4 * WeekMs) + 1)!;

        Assert.Equal((BaselineLevel.HourOfWeek, 2), (estimate.Level, estimate.Occurrences));
        Assert.Equal(StartMs + (2 * WeekMs), estimate.CoveredFromMs);
        Assert.Equal(14 * 24 * 60, baseline.ObservationCount);
    }

    [Fact]
    public void AsOf_TimeZone_FollowsLocalMondayMorningsAcrossDaylightSavingChanges()
    {
        // New York starts daylight saving time on Sunday 2027-03-14: Monday 09:00 local is 14:00 UTC on the
        // three past Mondays (EST) and 13:00 UTC on the Monday asked about (EDT).
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var start = new DateTimeOffset(2027, 2, 22, 5, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(); // Monday 00:00 EST
        var series = new SyntheticSeries(seed: 9, zone);
        var monday0930 = new DateTimeOffset(2027, 3, 15, 9, 30, 0, TimeSpan.FromHours(-4)).ToUnixTimeMilliseconds(); // EDT
        var local = Fill(new SeasonalBaseline(new SeasonalBaselineOptions { TimeZone = zone }), series, start, monday0930);
        var utc = Fill(new SeasonalBaseline(), new SyntheticSeries(seed: 9, zone), start, monday0930);

        var estimate = local.AsOf(monday0930)!;
        var utcEstimate = utc.AsOf(monday0930)!;

        Assert.Equal((BaselineLevel.HourOfWeek, 9, 3), (estimate.Level, estimate.Slot, estimate.Occurrences));
        var expected = series.Level(monday0930);
        Assert.InRange(estimate.Center, expected * 0.93, expected * 1.07);

        // In UTC, 13:30 Monday held 08:00-09:00 local in the three past weeks (EST): no boost, a lower center.
        Assert.Equal(13, utcEstimate.Slot);
        Assert.True(utcEstimate.Center < estimate.Center * 0.85, $"{utcEstimate.Center:F1} vs {estimate.Center:F1}");
    }

    [Fact]
    public void HourOfWeek_Of_CountsFromMondayMidnightLocal()
    {
        var kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");

        Assert.Equal(0, HourOfWeek.Of(StartMs, TimeZoneInfo.Utc));
        Assert.Equal(167, HourOfWeek.Of(StartMs - 1, TimeZoneInfo.Utc));
        Assert.Equal(24 + 14, HourOfWeek.Of(StartMs + DayMs + (14 * HourMs) + (59 * 60_000), TimeZoneInfo.Utc));
        Assert.Equal(6, HourOfWeek.Of(StartMs + (30 * 60_000), kolkata)); // 00:30 UTC is 06:00 in Kolkata
        Assert.Equal(5, HourOfWeek.Of(StartMs - (30 * 60_000) + 1, kolkata)); // 23:30:00.001 UTC Sunday is 05:00 Monday
        Assert.Equal(4, HourOfWeek.Of(StartMs - (30 * 60_000) - 1, kolkata));
        Assert.Equal(14, HourOfWeek.HourOfDay(StartMs + (3 * DayMs) + (14 * HourMs), TimeZoneInfo.Utc));
    }

    [Fact]
    public void Constructor_SettingOutOfRange_NamesIt()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SeasonalBaseline(new SeasonalBaselineOptions { MinSamples = 0 }));
        Assert.Equal("MinSamples", error.ParamName);
        Assert.Equal("History", Assert.Throws<ArgumentOutOfRangeException>(() => new SeasonalBaseline(new SeasonalBaselineOptions { History = TimeSpan.FromMinutes(5) })).ParamName);
    }

    [Fact]
    public void Add_NonFiniteValues_AreIgnored()
    {
        var baseline = new SeasonalBaseline(new SeasonalBaselineOptions { MinSamples = 2 });
        baseline.Add(StartMs, 5);
        baseline.Add(StartMs + 1, double.NaN);
        baseline.Add(StartMs + 2, double.PositiveInfinity);
        baseline.Add(StartMs + 3, 7);

        var estimate = baseline.AsOf(StartMs + HourMs)!;

        Assert.Equal((2, 6.0), (estimate.SampleCount, estimate.Center));
    }

    [Fact]
    public void Add_LateValueOfACompletedHour_JoinsThatHour()
    {
        var baseline = new SeasonalBaseline(new SeasonalBaselineOptions { MinSamples = 2 });
        baseline.Add(StartMs + (10 * 60_000), 10);
        baseline.Add(StartMs + (20 * 60_000), 20);
        Assert.Equal((2, 1), (baseline.AsOf(StartMs + HourMs + (5 * 60_000))!.SampleCount, baseline.AsOf(StartMs + HourMs + (5 * 60_000))!.Occurrences));

        baseline.Add(StartMs + (50 * 60_000), 30); // arrives after 01:05 was asked about, still in time order
        var estimate = baseline.AsOf(StartMs + HourMs + (6 * 60_000))!;

        Assert.Equal((3, 1, 20.0), (estimate.SampleCount, estimate.Occurrences, estimate.Center));
        Assert.Equal(StartMs + (50 * 60_000), estimate.CoveredToMs);
    }

    [Fact]
    public void ApproximateBytes_AWeekOfMinutes_StaysUnder96KB()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var baseline = Fill(new SeasonalBaseline(), new SyntheticSeries(seed: 10), StartMs, StartMs + WeekMs);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(7 * 24 * 60, baseline.ObservationCount);
        Assert.InRange(baseline.ApproximateBytes, 60_000, 96 * 1024);
        Assert.True(allocated < 160 * 1024, $"{allocated} bytes allocated (the generator included)");
    }

    internal static SeasonalBaseline Fill(SeasonalBaseline baseline, SyntheticSeries series, long fromMs, long toMs)
    {
        foreach (var (ms, value) in series.Minutes(fromMs, toMs))
        {
            baseline.Add(ms, value);
        }

        return baseline;
    }

    /// <summary>The median of the noiseless level over the hour from <paramref name="hourStartMs"/>.</summary>
    private static double HourMedian(SyntheticSeries series, long hourStartMs)
    {
        var levels = Enumerable.Range(0, 60).Select(m => series.Level(hourStartMs + (m * 60_000L))).Order().ToArray();
        return (levels[29] + levels[30]) / 2;
    }

    private static double StandardDeviation(List<double> values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
