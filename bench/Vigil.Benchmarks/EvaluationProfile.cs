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
    public static void Run(TextWriter output, ServiceShape shape, int passes, bool loop, int? ruleLimit = null, long advanceMs = 0)
    {
        var culture = CultureInfo.InvariantCulture;
        var heapBefore = GC.GetTotalMemory(true);
        var build = Stopwatch.StartNew();
        var clock = new FixedTime(EvaluationWorkload.NowMs);
        var (store, points) = EvaluationWorkload.BuildStore(shape, clock);
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
        if (advanceMs > 0)
        {
            Steady(output, shape, store, clock, rules, evaluator, passes, advanceMs);
            return;
        }

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

    /// <summary>
    /// Passes as the server runs them: before each, the clock moves on by <paramref name="advanceMs"/>
    /// and every series records that interval's points (not timed). The first pass (nothing
    /// kept yet) is reported apart. Then the last pass's outcomes are compared with a
    /// straightforward re-evaluation (scan, group, <see cref="MetricSeries.AggregateInto(WindowAccumulator, long, long)"/>).
    /// </summary>
    private static void Steady(TextWriter output, ServiceShape shape, MetricStore store, FixedTime clock, List<AlertRule> rules, RuleEvaluator evaluator, int passes, long advanceMs)
    {
        var culture = CultureInfo.InvariantCulture;
        var feed = new LiveFeed(shape, store);
        var nowMs = EvaluationWorkload.NowMs;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var first = Stopwatch.StartNew();
        foreach (var rule in rules)
        {
            evaluator.Evaluate(rule, store, nowMs);
        }

        first.Stop();
        var keptBytes = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        output.WriteLine(string.Create(culture,
            $"kept by the evaluator after the first pass (groups, index, windows): {keptBytes / 1048576.0:0.0} MiB of managed heap, {keptBytes / (double)store.SeriesCount:N0} B per series"));
        var passMs = new List<double>();
        var perShape = new double[EvaluationWorkload.RulesPerService];
        var cpuMs = new List<double>();
        using var process = Process.GetCurrentProcess();
        long fed = 0;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var fedAllocated = 0L;
        for (var p = 0; p < passes; p++)
        {
            var beforeFeed = GC.GetAllocatedBytesForCurrentThread();
            nowMs += advanceMs;
            fed += feed.Feed(nowMs);
            clock.NowMs = nowMs;
            fedAllocated += GC.GetAllocatedBytesForCurrentThread() - beforeFeed;
            var cpuBefore = process.TotalProcessorTime;
            var pass = Stopwatch.GetTimestamp();
            for (var r = 0; r < rules.Count; r++)
            {
                var started = Stopwatch.GetTimestamp();
                evaluator.Evaluate(rules[r], store, nowMs);
                perShape[r % EvaluationWorkload.RulesPerService] += Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }

            passMs.Add(Stopwatch.GetElapsedTime(pass).TotalMilliseconds);
            process.Refresh();
            cpuMs.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
        }

        var allocatedPerPass = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore - fedAllocated) / passes;
        var cpuSorted = cpuMs.Order().ToList();
        var sorted = passMs.Order().ToList();
        output.WriteLine(string.Create(culture,
            $"first pass (nothing kept): {first.Elapsed.TotalMilliseconds:0.0} ms; then {passes} passes, each {advanceMs} ms later with {fed / passes:N0} new points: min {sorted[0]:0.0} ms, median {sorted[passes / 2]:0.0} ms, p90 {sorted[(int)(passes * 0.9)]:0.0} ms, max {sorted[^1]:0.0} ms; {allocatedPerPass / 1048576.0:0.0} MiB allocated per pass"));
        output.WriteLine(string.Create(culture, $"CPU time of the process per pass (all threads, so GC too; the wall times above include waiting for a core on a loaded machine): min {cpuSorted[0]:0} ms, median {cpuSorted[passes / 2]:0} ms, p90 {cpuSorted[(int)(passes * 0.9)]:0} ms, max {cpuSorted[^1]:0} ms"));
        output.WriteLine(string.Create(culture, $"pass times in order: {string.Join(" ", passMs.Select(ms => ms.ToString("0", culture)))}"));
        output.WriteLine();
        output.WriteLine("| rule (one per service) | ms per pass (all services) | share |");
        output.WriteLine("|---|---:|---:|");
        for (var i = 0; i < EvaluationWorkload.RulesPerService; i++)
        {
            var rule = rules[i];
            output.WriteLine(string.Create(culture,
                $"| {rule.Name[..rule.Name.IndexOf(" (", StringComparison.Ordinal)]}: {rule.Aggregation.ToWire()}{(rule.ThresholdType == ThresholdType.PercentChange ? " percent_change" : "")}, {rule.WindowMinutes} min | {perShape[i] / passes:0.0} | {100 * perShape[i] / perShape.Sum():0} % |"));
        }

        output.WriteLine();

        // The outcomes of the kept state against a recomputation from scratch.
        long groups = 0, differ = 0;
        double worst = 0;
        var accumulator = new WindowAccumulator();
        foreach (var rule in rules)
        {
            var kept = evaluator.Evaluate(rule, store, nowMs);
            var fresh = Reference(rule, store, nowMs, accumulator);
            if (kept.Count != fresh.Count)
            {
                differ++;
                continue;
            }

            for (var i = 0; i < kept.Count; i++)
            {
                groups++;
                var (a, b) = (kept[i], fresh[i]);
                var relative = a.Value is { } x && b.Value is { } y && x != y ? Math.Abs(x - y) / Math.Max(Math.Abs(x), Math.Abs(y)) : 0;
                worst = Math.Max(worst, relative);
                if (!a.Group.Equals(b.Group) || a.State != b.State || a.DataPoints != b.DataPoints || a.Value.HasValue != b.Value.HasValue || relative > 1e-12 || a.Threshold != b.Threshold)
                {
                    differ++;
                }
            }
        }

        output.WriteLine(string.Create(culture, $"check at the last pass: {groups:N0} group outcomes against a recomputation from scratch, {differ} differ, largest relative difference of a value {worst:E1}"));
    }

    /// <summary>The evaluation as it was before any state was kept: scan, group, merge each member's window, judge.</summary>
    private static List<GroupEvaluation> Reference(AlertRule rule, MetricStore store, long nowMs, WindowAccumulator accumulator)
    {
        var groups = new Dictionary<LabelSet, List<MetricSeries>>();
        foreach (var series in store.Family(rule.Metric)!.Series)
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
            accumulator.Reset();
            foreach (var series in members)
            {
                series.AggregateInto(accumulator, from, to);
            }

            return RuleEvaluator.Reduce(accumulator, rule.Aggregation, rule.Window);
        }

        return [.. groups.Select(pair => RuleEvaluator.Judge(rule, pair.Key, Window(pair.Value, nowMs - windowMs, nowMs + 1), null))];
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
