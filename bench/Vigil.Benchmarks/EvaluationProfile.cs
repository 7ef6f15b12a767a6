using System.Diagnostics;
using System.Globalization;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>-- evalprofile [MetricPerService|ServiceLabel] [passes]</c>: builds the rule-evaluation
/// workload, describes it, then times whole passes of <see cref="RuleEvaluator.Evaluate"/>, the
/// time per rule shape, and the phases of a pass re-done outside the evaluator with the same
/// public calls (find the matching series, build the group label sets, merge each group's
/// window), so the breakdown adds up to about the pass. Markdown tables on stdout.
/// </summary>
internal static class EvaluationProfile
{
    public static void Run(TextWriter output, ServiceShape shape, int passes, bool loop, int? ruleLimit = null)
    {
        var culture = CultureInfo.InvariantCulture;
        var heapBefore = GC.GetTotalMemory(true);
        var build = Stopwatch.StartNew();
        var (store, points) = EvaluationWorkload.BuildStore(shape);
        var rules = EvaluationWorkload.Rules(shape);
        if (ruleLimit is { } limit && limit < rules.Count)
        {
            // The rules of the first services only: every rule still scans (or finds) the whole store's series.
            rules = rules[..limit];
            output.WriteLine(string.Create(culture, $"only the first {limit} rules: multiply pass times by {EvaluationWorkload.Services * EvaluationWorkload.RulesPerService / (double)limit:0.#} for all rules"));
        }

        build.Stop();
        var heapAfter = GC.GetTotalMemory(true);
        var nowMs = EvaluationWorkload.NowMs;
        var evaluator = new RuleEvaluator();

        // Warm up (tiering) and count what a pass yields.
        var outcomes = 0;
        var byState = new Dictionary<ConditionState, int>();
        for (var warm = 0; warm < Math.Min(3, passes); warm++)
        {
            outcomes = 0;
            byState.Clear();
            foreach (var rule in rules)
            {
                foreach (var outcome in evaluator.Evaluate(rule, store, nowMs))
                {
                    outcomes++;
                    byState[outcome.State] = byState.GetValueOrDefault(outcome.State) + 1;
                }
            }
        }

        output.WriteLine(string.Create(culture,
            $"shape {shape}: {store.SeriesCount:N0} series in {store.Families.Count:N0} metric names, {points:N0} points over {EvaluationWorkload.SpanMs / 60_000} min, built in {build.Elapsed.TotalSeconds:0.0} s, managed heap {(heapAfter - heapBefore) / 1048576.0:N0} MiB; {rules.Count:N0} rules → {outcomes:N0} outcomes ({string.Join(", ", byState.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:N0}"))})"));
        output.WriteLine();

        if (loop)
        {
            // For a profiler: evaluate passes until stopped.
            while (true)
            {
                var watch = Stopwatch.StartNew();
                foreach (var rule in rules)
                {
                    evaluator.Evaluate(rule, store, nowMs);
                }

                output.WriteLine(string.Create(culture, $"pass {watch.Elapsed.TotalMilliseconds:0} ms"));
            }
        }

        // Whole passes, and the time per rule shape (rule i of every service).
        var passMs = new List<double>();
        var perShape = new double[EvaluationWorkload.RulesPerService];
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var p = 0; p < passes; p++)
        {
            var pass = Stopwatch.GetTimestamp();
            for (var r = 0; r < rules.Count; r++)
            {
                var started = Stopwatch.GetTimestamp();
                evaluator.Evaluate(rules[r], store, nowMs);
                perShape[r % EvaluationWorkload.RulesPerService] += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }

            passMs.Add(Stopwatch.GetElapsedTime(pass).TotalMilliseconds);
        }

        var allocatedPerPass = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / passes;
        passMs.Sort();
        output.WriteLine(string.Create(culture,
            $"{passes} passes of RuleEvaluator.Evaluate over all rules: min {passMs[0]:0.0} ms, median {passMs[passes / 2]:0.0} ms, max {passMs[^1]:0.0} ms; {allocatedPerPass / 1048576.0:0.0} MiB allocated per pass"));
        output.WriteLine();
        output.WriteLine("| rule (one per service) | metric | groups/rule | series scanned/rule | series merged/rule | groups met (all services) | ms per pass (all services) | share |");
        output.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        var met = new int[EvaluationWorkload.RulesPerService];
        for (var r = 0; r < rules.Count; r++)
        {
            met[r % EvaluationWorkload.RulesPerService] += evaluator.Evaluate(rules[r], store, nowMs).Count(o => o.State == ConditionState.Met);
        }

        var total = perShape.Sum();
        for (var i = 0; i < EvaluationWorkload.RulesPerService; i++)
        {
            var rule = rules[i];
            var family = store.Family(rule.Metric)!;
            var groups = evaluator.Evaluate(rule, store, nowMs);
            var merged = family.Series.Count(s => Matches(s.Labels, rule.Match));
            output.WriteLine(string.Create(culture,
                $"| {rule.Name[..rule.Name.IndexOf(" (", StringComparison.Ordinal)]}: {rule.Aggregation.ToWire()}{(rule.ThresholdType == ThresholdType.PercentChange ? " percent_change" : "")}, {rule.WindowMinutes} min | {Unprefixed(rule.Metric)} | {groups.Count} | {family.Series.Count:N0} | {merged} | {met[i]} | {perShape[i] / passes:0.0} | {100 * perShape[i] / total:0} % |"));
        }

        output.WriteLine();

        // The phases, re-done with the same calls the evaluator makes.
        var accumulator = new WindowAccumulator();
        var scan = new List<double>();
        var grouping = new List<double>();
        var merge = new List<double>();
        var groupsOf = new Dictionary<LabelSet, List<MetricSeries>>();
        for (var p = 0; p < passes; p++)
        {
            double scanMs = 0, groupMs = 0, mergeMs = 0;
            foreach (var rule in rules)
            {
                var family = store.Family(rule.Metric)!;
                var t0 = Stopwatch.GetTimestamp();
                var matched = new List<MetricSeries>();
                foreach (var series in family.Series)
                {
                    if (Matches(series.Labels, rule.Match))
                    {
                        matched.Add(series);
                    }
                }

                var t1 = Stopwatch.GetTimestamp();
                groupsOf.Clear();
                foreach (var series in matched)
                {
                    var group = rule.GroupBy.Count == 0 ? LabelSet.Empty : series.Labels.Select(rule.GroupBy as IReadOnlyCollection<string> ?? [.. rule.GroupBy]);
                    if (!groupsOf.TryGetValue(group, out var members))
                    {
                        groupsOf[group] = members = [];
                    }

                    members.Add(series);
                }

                var t2 = Stopwatch.GetTimestamp();
                var windowMs = (long)rule.Window.TotalMilliseconds;
                foreach (var members in groupsOf.Values)
                {
                    accumulator.Reset();
                    foreach (var series in members)
                    {
                        series.AggregateInto(accumulator, nowMs - windowMs, nowMs + 1);
                    }

                    _ = accumulator.Value(rule.Aggregation, rule.Window);
                    if (rule.ThresholdType == ThresholdType.PercentChange)
                    {
                        accumulator.Reset();
                        foreach (var series in members)
                        {
                            series.AggregateInto(accumulator, nowMs - (2 * windowMs), nowMs - windowMs);
                        }

                        _ = accumulator.Value(rule.Aggregation, rule.Window);
                    }
                }

                var t3 = Stopwatch.GetTimestamp();
                scanMs += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                groupMs += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
                mergeMs += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
            }

            scan.Add(scanMs);
            grouping.Add(groupMs);
            merge.Add(mergeMs);
        }

        output.WriteLine("| phase (re-done outside the evaluator) | median ms per pass |");
        output.WriteLine("|---|---:|");
        output.WriteLine(string.Create(culture, $"| find the series: label matchers over the metric's series | {Median(scan):0.0} |"));
        output.WriteLine(string.Create(culture, $"| group: `LabelSet.Select(groupBy)` + dictionary per matching series | {Median(grouping):0.0} |"));
        output.WriteLine(string.Create(culture, $"| merge: `AggregateInto` every member's window (+ previous window) and reduce | {Median(merge):0.0} |"));
        output.WriteLine(string.Create(culture, $"| sum | {Median(scan) + Median(grouping) + Median(merge):0.0} |"));
    }

    private static string Unprefixed(string metric) => metric.StartsWith("svc", StringComparison.Ordinal) ? "svcNNNN_" + metric[8..] : metric;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static bool Matches(LabelSet labels, IReadOnlyDictionary<string, string> match)
    {
        foreach (var (name, value) in match)
        {
            if (!string.Equals(labels[name] ?? "", value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
