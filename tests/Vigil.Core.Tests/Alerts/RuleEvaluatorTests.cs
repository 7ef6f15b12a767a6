using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Alerts;
using Vigil.Core.Baselines;
using Vigil.Core.Metrics;
using Vigil.Core.Tests.Metrics;

namespace Vigil.Core.Tests.Alerts;

public sealed class RuleEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly MetricStore _store;
    private readonly RuleEvaluator _evaluator = new();

    public RuleEvaluatorTests() => _store = new MetricStore(new MetricsOptions(), _time);

    private long NowMs => Now.ToUnixTimeMilliseconds();

    [Fact]
    public void Evaluate_StaticP95GroupedByRoute_OneOutcomePerRoute()
    {
        Record("http_request_duration_ms", new() { ["route"] = "/slow", ["method"] = "GET" }, Enumerable.Repeat(1500.0, 20), secondsAgo: 60);
        Record("http_request_duration_ms", new() { ["route"] = "/slow", ["method"] = "POST" }, Enumerable.Repeat(1600.0, 20), secondsAgo: 60);
        Record("http_request_duration_ms", new() { ["route"] = "/fast", ["method"] = "GET" }, Enumerable.Repeat(20.0, 20), secondsAgo: 60);
        var rule = Rule() with { Aggregation = Aggregation.P95, Threshold = 1000, GroupBy = ["route"], MinDataPoints = 10 };

        var outcomes = _evaluator.Evaluate(rule, _store, NowMs).ToDictionary(o => o.Group["route"]!);

        Assert.Equal(2, outcomes.Count);
        Assert.Equal(ConditionState.Met, outcomes["/slow"].State);
        Assert.Equal(40, outcomes["/slow"].DataPoints);
        Assert.InRange(outcomes["/slow"].Value!.Value, 1584, 1616);
        Assert.Equal(1000, outcomes["/slow"].Threshold);
        Assert.Equal(ConditionState.NotMet, outcomes["/fast"].State);
        Assert.True(outcomes["/fast"].Recovered);
    }

    [Fact]
    public void Evaluate_MatchFiltersSeries_OthersIgnored()
    {
        Record("http_request_duration_ms", new() { ["route"] = "/a", ["method"] = "GET" }, [3000], secondsAgo: 10);
        Record("http_request_duration_ms", new() { ["route"] = "/a", ["method"] = "POST" }, [10], secondsAgo: 10);
        var rule = Rule() with { Aggregation = Aggregation.Max, Threshold = 100, Match = new Dictionary<string, string> { ["method"] = "POST" } };

        var outcome = Assert.Single(_evaluator.Evaluate(rule, _store, NowMs));

        Assert.Equal(ConditionState.NotMet, outcome.State);
        Assert.Equal(10, outcome.Value);
    }

    [Fact]
    public void Evaluate_FewerPointsThanMinDataPoints_NotEnoughDataNotResolved()
    {
        Record("http_request_duration_ms", [], [5000, 5000], secondsAgo: 30);
        var rule = Rule() with { Aggregation = Aggregation.P95, Threshold = 1000, MinDataPoints = 10 };

        var outcome = Assert.Single(_evaluator.Evaluate(rule, _store, NowMs));

        Assert.Equal(ConditionState.NotEnoughData, outcome.State);
        Assert.False(outcome.Recovered);
        Assert.Equal(2, outcome.DataPoints);
    }

    [Fact]
    public void Evaluate_PointsOutsideTheWindow_NotCounted()
    {
        Record("http_request_duration_ms", [], [5000], secondsAgo: 20 * 60);
        Record("http_request_duration_ms", [], [100], secondsAgo: 60);
        var rule = Rule() with { Aggregation = Aggregation.Max, Threshold = 1000, WindowMinutes = 15 };

        var outcome = Assert.Single(_evaluator.Evaluate(rule, _store, NowMs));

        Assert.Equal(ConditionState.NotMet, outcome.State);
        Assert.Equal(1, outcome.DataPoints);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)] // a stopped stream: counts and rates are judged whatever minDataPoints says
    public void Evaluate_ThroughputDropWithNoPointsInTheWindow_FiresOnZero(int minDataPoints)
    {
        Record("orders_total", [], [5], secondsAgo: 20 * 60, MetricType.Counter);
        var rule = Rule() with { Metric = "orders_total", Aggregation = Aggregation.RatePerMinute, Threshold = 1, Comparison = Comparison.LessThan, MinDataPoints = minDataPoints };

        var outcome = Assert.Single(_evaluator.Evaluate(rule, _store, NowMs));

        Assert.Equal(ConditionState.Met, outcome.State);
        Assert.Equal(0, outcome.Value);
    }

    [Fact]
    public void Judge_PercentChange_ComparesWithTheBaselineCenter()
    {
        var rule = Rule() with { Aggregation = Aggregation.Avg, ThresholdType = ThresholdType.PercentChange, Threshold = 50, WindowMinutes = 5 };

        var outcome = RuleEvaluator.Judge(rule, LabelSet.Empty, (180, 10), Estimate(100));

        Assert.Equal(ConditionState.Met, outcome.State);
        Assert.Equal(80, outcome.Value!.Value, 6);
        Assert.Equal(50, outcome.Threshold);

        // unlessUsual is a static threshold's: here the usual value (100) is past the threshold (50), and it changes nothing.
        Assert.Equal(outcome, RuleEvaluator.Judge(rule with { UnlessUsual = true }, LabelSet.Empty, (180, 10), Estimate(100)));
    }

    [Fact]
    public void Evaluate_PercentChangeWithoutABaseline_NotEnoughData()
    {
        Record("http_request_duration_ms", [], [180], secondsAgo: 60);
        var rule = Rule() with { ThresholdType = ThresholdType.PercentChange, Threshold = 50 };

        Assert.Equal(ConditionState.NotEnoughData, Assert.Single(_evaluator.Evaluate(rule, _store, NowMs, new RuleMemory(rule))).State);
    }

    [Fact]
    public void Judge_Dynamic_ThresholdIsBaselineCenterTimesMultiplier()
    {
        var rule = Rule() with { Metric = "job_execution_duration_ms", GroupBy = ["job_id"], ThresholdType = ThresholdType.Dynamic, BaselineMultiplier = 2, Threshold = null };

        var withBaseline = RuleEvaluator.Judge(rule, LabelSet.Empty, (2500, 1), Estimate(1000));
        var without = RuleEvaluator.Judge(rule, LabelSet.Empty, (2500, 1), null);

        Assert.Equal(ConditionState.Met, withBaseline.State);
        Assert.Equal(2000, withBaseline.Threshold);
        Assert.Equal(ConditionState.NotEnoughData, without.State);
    }

    [Theory]
    [InlineData(600.0, BaselineLevel.HourOfDay, true, null)] // usually well under the limit: newly slow
    [InlineData(950.0, BaselineLevel.HourOfDay, false, "not unusual: the usual p95 at this hour is 950, itself past 900 (unlessUsual)")]
    [InlineData(1400.0, BaselineLevel.HourOfWeek, false, "not unusual: the usual p95 at this hour is 1400, itself past 900 (unlessUsual)")]
    [InlineData(1400.0, BaselineLevel.Flat, false, "not unusual: the usual p95 so far is 1400, itself past 900 (unlessUsual)")]
    public void Judge_StaticUnlessUsual_MetOnlyWhenTheUsualValueIsClearOfTheRecoveryThreshold(double usual, BaselineLevel level, bool met, string? reason)
    {
        var rule = Rule() with { Aggregation = Aggregation.P95, Threshold = 1000, RecoveryThreshold = 900, UnlessUsual = true };

        var outcome = RuleEvaluator.Judge(rule, LabelSet.Empty, (1500, 40), Estimate(usual) with { Level = level });

        Assert.Equal(met ? ConditionState.Met : ConditionState.NotMet, outcome.State);
        Assert.Equal(!met, outcome.Recovered);
        Assert.Equal(1500, outcome.Value);
        Assert.Equal(1000, outcome.Threshold);
        Assert.Equal(reason, outcome.Reason);
    }

    [Fact]
    public void Judge_StaticUnlessUsual_NoUsualValueWhileLearningIt_NotJudgedOnTheLimitAlone()
    {
        // Past the limit with no history: whether the route became slow is not known yet.
        var rule = Rule() with { Aggregation = Aggregation.P95, Threshold = 1000, RecoveryThreshold = 900, UnlessUsual = true };

        var learning = RuleEvaluator.Judge(rule, LabelSet.Empty, (1500, 40), null, learningUsual: true);
        var notLearning = RuleEvaluator.Judge(rule, LabelSet.Empty, (1500, 40), null);
        var plain = RuleEvaluator.Judge(rule with { UnlessUsual = false }, LabelSet.Empty, (1500, 40), null, learningUsual: true);

        Assert.Equal(ConditionState.NotEnoughData, learning.State);
        Assert.False(learning.Recovered);
        Assert.Equal(1500, learning.Value);
        Assert.Equal(1000, learning.Threshold);
        Assert.Equal("learning what is usual: no usual p95 for the group yet (unlessUsual)", learning.Reason);
        Assert.Equal(ConditionState.Met, notLearning.State); // no usual value and none being learnt: the limit alone
        Assert.Equal(ConditionState.Met, plain.State);
    }

    [Theory]
    [InlineData(1100.0, 900.0, false, "not unusual: 1100 is within the usual p95 at this hour of 850 (490 to 1210; unlessUsual)")]
    [InlineData(1100.0, null, false, "not unusual: 1100 is within the usual p95 at this hour of 850 (490 to 1210; unlessUsual)")]
    [InlineData(1300.0, 900.0, true, null)]
    public void Judge_StaticUnlessUsual_PastTheLimitButWithinTheUsualRange_NotMetAndNotRecovered(double value, double? recovery, bool met, string? reason)
    {
        // Usually 850 ms at this hour, robust σ 60: the low band reaches 6 σ (360) above, more than its 35 %.
        var rule = Rule() with { Aggregation = Aggregation.P95, Threshold = 1000, RecoveryThreshold = recovery, UnlessUsual = true };

        var outcome = RuleEvaluator.Judge(rule, LabelSet.Empty, (value, 40), Estimate(850, spread: 60));

        Assert.Equal(met ? ConditionState.Met : ConditionState.NotMet, outcome.State);
        Assert.False(outcome.Recovered); // still past the limit (and the recovery threshold): an open alert stays open
        Assert.Equal(reason, outcome.Reason);
    }

    [Theory]
    [InlineData(Comparison.GreaterThan, 139, false)]
    [InlineData(Comparison.GreaterThan, 141, true)]
    [InlineData(Comparison.LessThan, 61, false)]
    [InlineData(Comparison.LessThan, 59, true)]
    public void Judge_Anomaly_OutsideTheBandOnTheComparedSide(Comparison comparison, double value, bool met)
    {
        // Center 100, robust σ 10: medium sensitivity is 4 σ (40) beyond the center, more than its 20 % minimum.
        var rule = Rule() with { ThresholdType = ThresholdType.Anomaly, Threshold = null, Comparison = comparison };

        var outcome = RuleEvaluator.Judge(rule, LabelSet.Empty, (value, 50), Estimate(100, spread: 10));

        Assert.Equal(met ? ConditionState.Met : ConditionState.NotMet, outcome.State);
        Assert.Equal(comparison == Comparison.GreaterThan ? 140 : 60, outcome.Threshold!.Value, 9);
    }

    [Fact]
    public void Judge_AnomalyOfAQuantile_CountsOnlyWhenTheWindowsPointsShowItBeyondChance()
    {
        // Usual p50 100, robust σ 5: low sensitivity's band ends at 135 (its 35 % minimum).
        var rule = Rule() with { Aggregation = Aggregation.P50, ThresholdType = ThresholdType.Anomaly, Threshold = null, Sensitivity = AnomalySensitivity.Low };
        var usual = Estimate(100, spread: 5);
        GroupEvaluation JudgeOf(string name, IEnumerable<double> values)
        {
            var sample = Sample(name, values);
            return RuleEvaluator.Judge(rule, LabelSet.Empty, RuleEvaluator.Reduce(sample, rule.Aggregation, rule.Window), usual, sample);
        }

        // A quiet service: all 15 requests slower than usual is beyond chance (3e-5); 12 of 15 is not (1 in 57).
        var allSlow = JudgeOf("all_slow", Enumerable.Repeat(250.0, 15));
        var mostSlow = JudgeOf("most_slow", [.. Enumerable.Repeat(250.0, 12), .. Enumerable.Repeat(80.0, 3)]);

        // A busy one: 100 of 300 at or below the usual median is far beyond chance, the band decides.
        var busy = JudgeOf("busy", [.. Enumerable.Repeat(250.0, 200), .. Enumerable.Repeat(80.0, 100)]);

        Assert.Equal(ConditionState.Met, allSlow.State);
        Assert.Equal(ConditionState.NotMet, mostSlow.State);
        Assert.False(mostSlow.Recovered); // still past the band: held back, not a recovery that would resolve an open alert
        Assert.Equal(250, mostSlow.Value!.Value, 0.02 * 250); // the p50 is past the band: only the points hold it back
        Assert.Equal("within chance: 3 of 15 points at or below the usual p50 of 100", mostSlow.Reason);
        Assert.Equal(ConditionState.Met, busy.State);

        // Without the window's points (a caller that has none) the band alone decides.
        Assert.Equal(ConditionState.Met, RuleEvaluator.Judge(rule, LabelSet.Empty, (250, 15), usual).State);
    }

    [Fact]
    public void Judge_AnomalyOfAQuantileBelowTheBand_NeedsImprobablyManyPointsAtOrBelowTheUsualValue()
    {
        var rule = Rule() with { Aggregation = Aggregation.P50, ThresholdType = ThresholdType.Anomaly, Threshold = null, Comparison = Comparison.LessThan };
        var usual = Estimate(100, spread: 5);

        var allFast = Sample("all_fast", Enumerable.Repeat(20.0, 15));
        var mostFast = Sample("most_fast", [.. Enumerable.Repeat(20.0, 12), .. Enumerable.Repeat(150.0, 3)]);

        Assert.Equal(ConditionState.Met, RuleEvaluator.Judge(rule, LabelSet.Empty, RuleEvaluator.Reduce(allFast, rule.Aggregation, rule.Window), usual, allFast).State);
        Assert.Equal(ConditionState.NotMet, RuleEvaluator.Judge(rule, LabelSet.Empty, RuleEvaluator.Reduce(mostFast, rule.Aggregation, rule.Window), usual, mostFast).State);
    }

    [Fact]
    public void Judge_AnomalyOfAFlatSeries_MinChangeKeepsNoiseQuiet()
    {
        // An error rate that is always 0: without a minimum change any error would be "outside the
        // band". Over 1 000 requests, chance alone allows 5 errors (0.5 %): the 2 points decide.
        var rule = Rule() with { Aggregation = Aggregation.ErrorRatePercent, ThresholdType = ThresholdType.Anomaly, Threshold = null, MinChange = 2 };

        Assert.Equal(ConditionState.NotMet, RuleEvaluator.Judge(rule, LabelSet.Empty, (1.5, 1000), Estimate(0)).State);
        Assert.Equal(ConditionState.Met, RuleEvaluator.Judge(rule, LabelSet.Empty, (2.5, 1000), Estimate(0)).State);
    }

    [Fact]
    public void Judge_AnomalyOfAQuietErrorRate_ChanceDecides()
    {
        // 5 errors in 200 requests (2.5 %) where half an error is expected happens by chance once
        // in 6 000 windows: not anomalous at medium; 6 (3 %) is once in 70 000.
        var rule = Rule() with { Aggregation = Aggregation.ErrorRatePercent, ThresholdType = ThresholdType.Anomaly, Threshold = null, MinChange = 2 };

        Assert.Equal(ConditionState.NotMet, RuleEvaluator.Judge(rule, LabelSet.Empty, (2.5, 200), Estimate(0)).State);
        Assert.Equal(ConditionState.Met, RuleEvaluator.Judge(rule, LabelSet.Empty, (3.0, 200), Estimate(0)).State);
    }

    [Theory]
    [InlineData(Aggregation.RatePerMinute, 2.0, 0, -0.1, 5.1)] // 10 requests expected in 5 minutes: none is not improbable yet, 26 or more is
    [InlineData(Aggregation.RatePerMinute, 3.0, 0, 0.3, 6.7)] // 15 expected: at most 1, at least 34
    [InlineData(Aggregation.RatePerMinute, 0.0, 0, -0.1, 1.5)] // at least one request is expected: 8 or more is a surge
    [InlineData(Aggregation.Count, 9.0, 0, -0.5, 23.5)]
    [InlineData(Aggregation.ErrorRatePercent, 4.0, 25, -2, 30)] // one error expected in 25 requests: 8 or more
    [InlineData(Aggregation.ErrorRatePercent, 0.0, 100, -0.5, 5.5)] // a clean series counts as half an error: 6 or more
    public void CountingBand_CountingAndErrorRates_ExactPoissonTails(Aggregation aggregation, double center, long points, double lower, double upper)
    {
        var rule = Rule() with { Aggregation = aggregation, WindowMinutes = 5, Sensitivity = AnomalySensitivity.Medium };

        var band = RuleEvaluator.CountingBand(rule, center, points);

        Assert.NotNull(band);
        Assert.Equal(lower, band.Value.Lower, 9);
        Assert.Equal(upper, band.Value.Upper, 9);
    }

    [Fact]
    public void CountingBand_QuantilesAndSums_NoneTheHistoryMeasuresTheirSpread()
    {
        Assert.Null(RuleEvaluator.CountingBand(Rule() with { Aggregation = Aggregation.P95 }, 300, 100));
        Assert.Null(RuleEvaluator.CountingBand(Rule() with { Aggregation = Aggregation.Sum }, 300, 100));
    }

    [Fact]
    public void Judge_AnomalyOfAQuietStream_StopsAreAlertsOnlyWhenImprobable()
    {
        // Median 3 requests a minute, a tight history: 0 in 5 minutes (15 expected) is below the
        // band, 2 is not (2 where 15 are expected happens by chance about every two and a half weeks of minutes).
        var rule = Rule() with { Aggregation = Aggregation.RatePerMinute, WindowMinutes = 5, ThresholdType = ThresholdType.Anomaly, Threshold = null, Comparison = Comparison.LessThan };

        Assert.Equal(ConditionState.Met, RuleEvaluator.Judge(rule, LabelSet.Empty, (0, 0), Estimate(3, spread: 0.1)).State);
        Assert.Equal(ConditionState.NotMet, RuleEvaluator.Judge(rule, LabelSet.Empty, (0.4, 2), Estimate(3, spread: 0.1)).State);
    }

    [Theory]
    // 5.6 requests a minute over 2 minutes, windows that spread by about the Poisson's own
    // √11.2 / 2 = 1.7 a minute: 4 σ below the center is below 0, so a band from the spread alone
    // never had a silence under it. As a count, 0 where 11.2 are expected happens once in 61 000
    // windows (medium: 1 in 31 600); 2 or fewer, once in 860.
    [InlineData(5.6, 1.7, 0.0, 0L, true)]
    [InlineData(5.6, 1.7, 1.0, 2L, false)]
    // 200 a minute, windows spread by 25 a minute (50 requests in 2 minutes, against the
    // Poisson's 20): a dip to 130 is within its swings, a fall to 60 is not. (The edge is 114 a
    // minute, where 4 spreads below said 100: a count's lower tail is the shorter one.)
    [InlineData(200, 25, 130.0, 260L, false)]
    [InlineData(200, 25, 60.0, 120L, true)]
    public void Judge_AnomalyOfARate_BelowTheCountsOwnLowerTail(double center, double spread, double value, long points, bool met)
    {
        var rule = Rule() with { Aggregation = Aggregation.RatePerMinute, WindowMinutes = 2, ThresholdType = ThresholdType.Anomaly, Threshold = null, Comparison = Comparison.LessThan, Sensitivity = AnomalySensitivity.Medium };

        var outcome = RuleEvaluator.Judge(rule, LabelSet.Empty, (value, points), Estimate(center, spread));

        Assert.Equal(met ? ConditionState.Met : ConditionState.NotMet, outcome.State);
    }

    [Theory]
    [InlineData(NoDataPolicy.KeepLast, ConditionState.NotEnoughData, false)]
    [InlineData(NoDataPolicy.Ok, ConditionState.NotMet, true)]
    [InlineData(NoDataPolicy.Alerting, ConditionState.Met, false)]
    public void Evaluate_TooFewPoints_NoDataPolicyDecides(NoDataPolicy policy, ConditionState state, bool recovered)
    {
        Record("http_request_duration_ms", [], [5000], secondsAgo: 30);
        var rule = Rule() with { Aggregation = Aggregation.P95, MinDataPoints = 10, NoData = policy };

        var outcome = Assert.Single(_evaluator.Evaluate(rule, _store, NowMs));

        Assert.Equal(state, outcome.State);
        Assert.Equal(recovered, outcome.Recovered);
        Assert.Equal(policy == NoDataPolicy.Alerting, outcome.Reason?.Contains("no data", StringComparison.Ordinal) ?? false);
    }

    [Theory]
    [InlineData(900, false)]
    [InlineData(750, true)]
    public void Evaluate_RecoveryThreshold_RecoveredOnlyPastIt(double value, bool recovered)
    {
        Record("http_request_duration_ms", [], [value], secondsAgo: 30);
        var rule = Rule() with { Aggregation = Aggregation.Max, Threshold = 1000, RecoveryThreshold = 800 };

        var outcome = Assert.Single(_evaluator.Evaluate(rule, _store, NowMs));

        Assert.Equal(ConditionState.NotMet, outcome.State);
        Assert.Equal(recovered, outcome.Recovered);
    }

    [Theory]
    [InlineData(Comparison.GreaterThan, 10, false)]
    [InlineData(Comparison.GreaterOrEqual, 10, true)]
    [InlineData(Comparison.Equal, 10, true)]
    [InlineData(Comparison.LessOrEqual, 10, true)]
    [InlineData(Comparison.LessThan, 10, false)]
    [InlineData(Comparison.LessThan, 11, true)]
    public void Evaluate_EveryComparison(Comparison comparison, double threshold, bool met)
    {
        Record("queue_depth", [], [10], secondsAgo: 5, MetricType.Gauge);
        var rule = Rule() with { Metric = "queue_depth", Aggregation = Aggregation.Last, Threshold = threshold, Comparison = comparison };

        Assert.Equal(met ? ConditionState.Met : ConditionState.NotMet, Assert.Single(_evaluator.Evaluate(rule, _store, NowMs)).State);
    }

    [Fact]
    public void Evaluate_UnknownMetric_NoOutcome()
    {
        Assert.Empty(_evaluator.Evaluate(Rule() with { Metric = "nothing" }, _store, NowMs));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Evaluate_PassesAsTimeMovesOnWithIngest_SameOutcomesAsARecomputation(int seed)
    {
        // Arrange: one rule per aggregation, grouped and not, over series that keep receiving
        // points (some late); series appear along the way and others go idle and are evicted.
        var random = new Random(seed);
        var rules = new List<AlertRule>();
        foreach (var aggregation in Enum.GetValues<Aggregation>())
        {
            rules.Add(Rule() with { Id = $"{aggregation}", Aggregation = aggregation, WindowMinutes = 1 + random.Next(0, 15), MinDataPoints = 0 });
            rules.Add(Rule() with { Id = $"{aggregation}-route", Aggregation = aggregation, GroupBy = ["route"], WindowMinutes = 5, Match = new Dictionary<string, string> { ["service"] = "a" } });
            rules.Add(Rule() with { Id = $"{aggregation}-change", Aggregation = aggregation, GroupBy = ["status"], WindowMinutes = 2, ThresholdType = ThresholdType.PercentChange, Threshold = 10 });
            rules.Add(Rule() with { Id = $"{aggregation}-nolabel", Aggregation = aggregation, Match = new Dictionary<string, string> { ["zone"] = "", ["status"] = "500" } });
            rules.Add(Rule() with { Id = $"{aggregation}-gauge", Metric = "queue_depth", Aggregation = aggregation, GroupBy = ["queue"], WindowMinutes = 3 });
        }

        var store = new MetricStore(new MetricsOptions { InMemoryRetention = TimeSpan.FromMinutes(20) }, _time);
        var evaluator = new RuleEvaluator();
        var series = 12;
        for (var step = 0; step < 220; step++)
        {
            // Act: 1–20 s later, a batch of points.
            _time.Advance(TimeSpan.FromMilliseconds(random.Next(1_000, 20_000)));
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (step % 30 == 29)
            {
                series += 2;
            }

            var points = new List<MetricPoint>();
            for (var i = 0; i < 60; i++)
            {
                var s = random.Next(0, series);
                if (step > 30 && s % 5 == 0)
                {
                    continue; // these go idle
                }

                var labels = SampleData.Labels(("service", s % 3 == 0 ? "b" : "a"), ("route", $"/r{s % 4}"), ("status", s % 2 == 0 ? "500" : "200"), ("instance", $"i{s}"));
                var ts = now - (random.NextDouble() < 0.1 ? random.Next(0, 60_000) : random.Next(0, 1_000));
                points.Add(new MetricPoint("http_request_duration_ms", MetricType.Timing, Math.Round(Math.Exp(random.NextDouble() * 7), 3), labels, ts));
                points.Add(new MetricPoint("queue_depth", MetricType.Gauge, random.Next(0, 100), SampleData.Labels(("queue", $"q{s % 3}")), ts));
            }

            Assert.True(store.Ingest(points).IsAccepted);
            if (step % 20 == 19)
            {
                foreach (var each in store.AllSeries)
                {
                    each.TakeDirtyRollups(now);
                }

                store.Prune();
            }

            // Assert
            foreach (var rule in rules)
            {
                var kept = evaluator.Evaluate(rule, store, now);
                var expected = Recompute(rule, store, now);
                Assert.Equal(expected.Count, kept.Count);
                for (var i = 0; i < expected.Count; i++)
                {
                    Assert.Equal(expected[i].Group, kept[i].Group);
                    Assert.Equal(expected[i].State, kept[i].State);
                    Assert.Equal(expected[i].DataPoints, kept[i].DataPoints);
                    Assert.Equal(expected[i].Threshold, kept[i].Threshold);
                    Assert.Equal(expected[i].Value.HasValue, kept[i].Value.HasValue);
                    if (expected[i].Value is { } value)
                    {
                        Assert.Equal(value, kept[i].Value!.Value, Math.Max(1e-9, Math.Abs(value) * 1e-12));
                    }
                }
            }
        }

        Assert.True(store.EvictedSeries > 0);
    }

    /// <summary>The evaluation with nothing kept between calls: scan, group, decode each member's window, judge.</summary>
    private static List<GroupEvaluation> Recompute(AlertRule rule, MetricStore store, long nowMs)
    {
        var groups = new Dictionary<LabelSet, List<MetricSeries>>();
        foreach (var series in store.Family(rule.Metric)?.Series ?? [])
        {
            if (RuleEvaluator.Matches(series.Labels, rule.Match))
            {
                var group = RuleEvaluator.GroupOf(rule, series.Labels);
                if (!groups.TryGetValue(group, out var members))
                {
                    groups[group] = members = [];
                }

                members.Add(series);
            }
        }

        var windowMs = (long)rule.Window.TotalMilliseconds;
        (double?, long) Window(List<MetricSeries> members, long from, long to)
        {
            var accumulator = new WindowAccumulator();
            foreach (var series in members)
            {
                series.AggregateInto(accumulator, from, to);
            }

            return RuleEvaluator.Reduce(accumulator, rule.Aggregation, rule.Window);
        }

        return [.. groups.Select(pair => RuleEvaluator.Judge(rule, pair.Key, Window(pair.Value, nowMs - windowMs, nowMs + 1), null))];
    }

    private static BaselineEstimate Estimate(double center, double spread = 0) =>
        new(center, spread, spread, spread, 100, 7, BaselineLevel.HourOfDay, 0, 0, 0);

    [Fact]
    public void Evaluate_TrimMinutes_MidMinute_LeavesOutTheClockMinuteWithTheMostErrors()
    {
        // At 12:00:35, the ten clock minutes 11:51-12:00 with 20 requests each (from 10 s past
        // the minute); in 11:57 a burst of 10 errors, at :10 and :50 (a minute counted back from
        // now, 11:57:35-11:58:35, would cut it in two), and 1 error at 12:00:10.
        _time.Advance(TimeSpan.FromSeconds(35));
        for (var minute = 0; minute < 10; minute++)
        {
            Record("http_request_duration_ms", new() { ["status"] = "200" }, Enumerable.Repeat(50.0, minute == 3 ? 10 : minute == 0 ? 19 : 20), secondsAgo: (minute * 60) - 10);
        }

        Record("http_request_duration_ms", new() { ["status"] = "500" }, Enumerable.Repeat(30.0, 5), secondsAgo: 170);
        Record("http_request_duration_ms", new() { ["status"] = "500" }, Enumerable.Repeat(30.0, 5), secondsAgo: 130);
        Record("http_request_duration_ms", new() { ["status"] = "500" }, [30.0], secondsAgo: -10);
        var whole = Rule() with { Aggregation = Aggregation.ErrorRatePercent, WindowMinutes = 10, Threshold = 3 };
        var trimmed = whole with { TrimMinutes = 1 };

        var wholeOutcome = Assert.Single(_evaluator.Evaluate(whole, _store, NowMs + 35_000));
        var trimmedOutcome = Assert.Single(_evaluator.Evaluate(trimmed, _store, NowMs + 35_000));

        // 11 errors in 200 requests, 5.5 %; without the burst minute 1 in 180.
        Assert.Equal(ConditionState.Met, wholeOutcome.State);
        Assert.Equal(5.5, wholeOutcome.Value!.Value, 6);
        Assert.Equal(ConditionState.NotMet, trimmedOutcome.State);
        Assert.Equal(180, trimmedOutcome.DataPoints);
        Assert.Equal(100.0 / 180, trimmedOutcome.Value!.Value, 6);
    }

    [Fact]
    public void Evaluate_TrimMinutes_ErrorRate_LeavesOutTheMinuteWithTheMostErrorsBeyondTheWindowsRate()
    {
        // A busy minute at 2 % (20 errors in 1 000) and a quiet one that failed outright (5 of 5):
        // the quiet one moves the window most; the busy one is about the window's rate.
        Record("http_request_duration_ms", new() { ["status"] = "200" }, Enumerable.Repeat(50.0, 980), secondsAgo: 120);
        Record("http_request_duration_ms", new() { ["status"] = "500" }, Enumerable.Repeat(30.0, 20), secondsAgo: 120);
        Record("http_request_duration_ms", new() { ["status"] = "500" }, Enumerable.Repeat(30.0, 5), secondsAgo: 60);
        Record("http_request_duration_ms", new() { ["status"] = "200" }, Enumerable.Repeat(50.0, 100), secondsAgo: 0);
        var rule = Rule() with { Aggregation = Aggregation.ErrorRatePercent, WindowMinutes = 3, Threshold = 50, TrimMinutes = 1 };

        var outcome = Assert.Single(_evaluator.Evaluate(rule, _store, NowMs));

        Assert.Equal(1100, outcome.DataPoints);
        Assert.Equal(100.0 * 20 / 1100, outcome.Value!.Value, 6);
    }

    [Fact]
    public void Evaluate_TrimMinutes_ErrorRate_AMinuteWithoutExcessErrorsIsNeverLeftOut()
    {
        // Three minutes at the same 1 %: none pushes the rate up, so none is left out.
        for (var minute = 0; minute < 3; minute++)
        {
            Record("http_request_duration_ms", new() { ["status"] = "200" }, Enumerable.Repeat(50.0, 99), secondsAgo: minute * 60);
            Record("http_request_duration_ms", new() { ["status"] = "500" }, [30.0], secondsAgo: minute * 60);
        }

        var rule = Rule() with { Aggregation = Aggregation.ErrorRatePercent, WindowMinutes = 3, Threshold = 50, TrimMinutes = 2 };

        var outcome = Assert.Single(_evaluator.Evaluate(rule, _store, NowMs));

        Assert.Equal(300, outcome.DataPoints);
    }

    [Theory]
    [InlineData(Aggregation.P50)]
    [InlineData(Aggregation.ErrorRatePercent)]
    [InlineData(Aggregation.Max)]
    public void Evaluate_TrimMinutes_SlidingEveryTenSeconds_SameAsAFreshEvaluator(Aggregation aggregation)
    {
        // Thirty minutes of points every 7 s, slower and failing more in some minutes.
        var random = new Random(7);
        for (var secondsAgo = 30 * 60; secondsAgo > 0; secondsAgo -= 7)
        {
            var slow = secondsAgo / 60 % 4 == 0;
            var status = random.NextDouble() < (slow ? 0.3 : 0.05) ? "500" : "200";
            Record("http_request_duration_ms", new() { ["status"] = status }, [Math.Round((slow ? 400 : 100) * (0.5 + random.NextDouble()))], secondsAgo);
        }

        var rule = Rule() with { Aggregation = aggregation, WindowMinutes = 6, TrimMinutes = 2 };
        var sliding = new RuleEvaluator();
        for (var atMs = NowMs - (15 * 60_000); atMs <= NowMs; atMs += 10_000)
        {
            var slid = Assert.Single(sliding.Evaluate(rule, _store, atMs));
            var fresh = Assert.Single(new RuleEvaluator().Evaluate(rule, _store, atMs));

            Assert.Equal((fresh.Value, fresh.DataPoints), (slid.Value, slid.DataPoints));
        }
    }

    [Theory]
    [InlineData(Aggregation.P95, Comparison.GreaterThan, 0, 900)]
    [InlineData(Aggregation.P95, Comparison.GreaterThan, 1, 100)] // the spike minute is left out
    [InlineData(Aggregation.Avg, Comparison.GreaterThan, 1, 77.5)]
    [InlineData(Aggregation.Avg, Comparison.GreaterThan, 2, 70)] // and one of the 100 ms minutes
    [InlineData(Aggregation.Avg, Comparison.LessThan, 1, 300)] // compared from above, the fastest minute is the worst
    public void Evaluate_TrimMinutes_LeavesOutTheMinutesFurthestPastTheThreshold(Aggregation aggregation, Comparison comparison, int trim, double expected)
    {
        // Five minutes of 10 requests: 100 ms in three, 900 ms in one (a spike), 10 ms in one.
        double[] minutes = [100, 900, 100, 10, 100];
        for (var minute = 0; minute < minutes.Length; minute++)
        {
            Record("http_request_duration_ms", [], Enumerable.Repeat(minutes[minute], 10), secondsAgo: minute * 60); // the clock minutes 11:56-12:00
        }

        var rule = Rule() with { Aggregation = aggregation, Comparison = comparison, WindowMinutes = 5, TrimMinutes = trim };

        var outcome = Assert.Single(_evaluator.Evaluate(rule, _store, NowMs));

        Assert.Equal(50 - (10 * trim), outcome.DataPoints);
        Assert.InRange(outcome.Value!.Value, expected * 0.99, expected * 1.01);
    }

    private static AlertRule Rule() => new()
    {
        Id = "r",
        Name = "rule",
        Metric = "http_request_duration_ms",
        Threshold = 1000,
        WindowMinutes = 5,
    };

    private WindowAccumulator Sample(string name, IEnumerable<double> values)
    {
        Record(name, [], values, secondsAgo: 30);
        var accumulator = new WindowAccumulator();
        foreach (var series in _store.Family(name)!.Series)
        {
            series.AggregateInto(accumulator, NowMs - 60_000, NowMs + 1);
        }

        return accumulator;
    }

    private void Record(string name, Dictionary<string, string> labels, IEnumerable<double> values, int secondsAgo, MetricType type = MetricType.Timing)
    {
        var ts = NowMs - (secondsAgo * 1000L);
        var points = values.Select(v => new MetricPoint(name, type, v, LabelSet.From(labels), ts)).ToList();
        Assert.True(_store.Ingest(points).IsAccepted);
    }
}
