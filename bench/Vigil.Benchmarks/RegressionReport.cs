using System.Globalization;
using Vigil.Performance.Regressions;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>-- regressions [operations per cell] [step ...] [--minute-sigma σ] [--outliers share] [--trim-average share] [--oracle h]</c> (steps by name, e.g. <c>none "+10 %"</c>; all when none are named): scores the regression detector's step test
/// (<see cref="StepDetector"/> at the default confidence) on a synthetic corpus, judged minute by
/// minute as the live detector judges. Each operation runs 8 hours: log-normal durations
/// (σ 0.3–0.55) around a median with a daily cycle (+15 % at the peak), a slow drift (±10 % over
/// a day), with <c>--minute-sigma σ</c> a level of each minute's own (log-normal: load moves a
/// minute's executions together, which a test of executions must not take for evidence), with <c>--outliers q</c>
/// a share q of executions 5–20 times slower at random (a heavy tail, which moves an average far more than a median), with
/// <c>--trim-average t</c> each minute's average taken without its slowest share t (what the detector's average measure would
/// find if the monitor kept such averages: a what-if, the monitor keeps plain ones), with <c>--oracle h</c> beside each cell what
/// an oracle finds (<see cref="Oracle"/>), one-minute spikes (about 3 a day per operation, 3–8× slower) and Poisson arrivals at
/// 0.2, 0.5, 2, 5, 20, 100 or 300 a minute (below one a minute judged by the minutes they ran in, <see cref="StepDetector.RunFindings"/>, as the monitor does); from minute 300 to 420 one step starts and holds to the end:
/// +10 %, +25 %, +50 %, +100 %, −30 % (an improvement), a slow tail (10 % of requests 3× slower),
/// or none (the clean operations that measure false findings); or, in the same span, a burst: 2 to 4
/// minutes 2–3 times slower, then as before (an incident that is over, not a regression: every
/// finding on such an operation is false, and its hours count as hours without a step). A finding within the step's
/// direction after its start is a detection (its delay from the start); any other finding is
/// false. As in the monitor, a regression found stays open (the operation is not judged again:
/// the step holds to the end), and after any other finding the operation is not judged until
/// <see cref="StepDetector.QuietUntil"/>, as in the monitor. The corpus is the same on every run (each operation's generator is seeded by its step,
/// rate and number).
/// </summary>
internal static class RegressionReport
{
    private const long MinuteMs = 60_000;
    private static readonly double[] Rates = [0.2, 0.5, 2, 5, 20, 100, 300];
    private static readonly (string Name, double Factor, bool Tail)[] Steps =
    [
        ("none", 1, false), ("+10 %", 1.10, false), ("+25 %", 1.25, false), ("+50 %", 1.5, false), ("+100 %", 2.0, false),
        ("-30 %", 0.7, false), ("slow tail", 3.0, true), (Burst, 2.5, false),
    ];

    private const string Burst = "burst";

    public static int Run(TextWriter output, int perCell, IReadOnlyCollection<string> onlySteps, double minuteSigma = 0, double outliers = 0, double trimAverage = 0, double oracle = 0)
    {
        if (oracle > 0 && (minuteSigma > 0 || outliers > 0))
        {
            Console.Error.WriteLine("--oracle knows the light-tailed corpus only: not with --minute-sigma or --outliers");
            return 2;
        }

        if (onlySteps.FirstOrDefault(name => !Steps.Any(step => step.Name == name)) is { } unknown)
        {
            Console.Error.WriteLine($"unknown step '{unknown}': the steps are {string.Join(", ", Steps.Select(step => $"'{step.Name}'"))}");
            return 2;
        }

        if (outliers is < 0 or >= 1 || trimAverage is < 0 or >= 1)
        {
            Console.Error.WriteLine("--outliers and --trim-average take a share from 0 up to (not including) 1");
            return 2;
        }

        var confidence = new Vigil.Performance.PerformanceOptions().RegressionConfidence;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Regression detection: {perCell} operations per step and rate, 8 hours each, confidence {confidence}{(minuteSigma > 0 ? $", a minute's own level σ {minuteSigma}" : "")}{(outliers > 0 ? $", {100 * outliers:0.##} % of executions 5-20 times slower" : "")}{(trimAverage > 0 ? $", minute averages without their slowest {100 * trimAverage:0.##} %" : "")}"));
        if (oracle > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"oracle: a CUSUM of each minute's exact log-likelihood ratio, knowing the model (spikes as the mixture they are) and the step, h {oracle} (a false alarm at most once in {Math.Exp(oracle):N0} minutes per test)"));
        }

        output.WriteLine();
        output.WriteLine("| step | per minute | found | recall | delay p50 | delay p90 | false |" + (oracle > 0 ? " oracle: found | delay p50 | false |" : ""));
        output.WriteLine("|---|---|---|---|---|---|---|" + (oracle > 0 ? "---|---|---|" : ""));
        var falseFindings = 0;
        var cleanHours = 0.0;
        var trueFindings = 0;
        for (var s = 0; s < Steps.Length; s++)
        {
            if (onlySteps.Count > 0 && !onlySteps.Contains(Steps[s].Name))
            {
                continue;
            }

            foreach (var rate in Rates)
            {
                var delays = new List<int>();
                var oracleDelays = new List<int>();
                var (falses, oracleFalses) = (0, 0);
                for (var i = 0; i < perCell; i++)
                {
                    var random = new Random((s * 1_000_003) + RateSeed(rate) + i);
                    var stepMinute = Steps[s].Name == "none" ? int.MaxValue : 300 + random.Next(120);
                    var judge = oracle > 0 ? new Oracle(oracle, Clean(Steps[s].Name) ? Steps[1..^1] : [Steps[s]], Steps[s].Name == Burst ? int.MaxValue : stepMinute) : null;
                    var (delay, falsesHere) = Simulate(random, rate, Steps[s], stepMinute, confidence, minuteSigma, outliers, trimAverage, judge);
                    falses += falsesHere;
                    if (delay is { } d)
                    {
                        delays.Add(d);
                    }

                    if (judge is not null)
                    {
                        oracleFalses += judge.Falses;
                        if (judge.Delay is { } od)
                        {
                            oracleDelays.Add(od);
                        }
                    }

                    cleanHours += (Clean(Steps[s].Name) ? 240 : Math.Min(480, stepMinute) - 240) / 60.0;
                }

                falseFindings += falses;
                trueFindings += delays.Count;
                delays.Sort();
                var found = Clean(Steps[s].Name) ? "-" : $"{delays.Count}/{perCell}";
                var recall = Clean(Steps[s].Name) ? "-" : ((double)delays.Count / perCell).ToString("0.00", CultureInfo.InvariantCulture);
                oracleDelays.Sort();
                var oracleCells = oracle > 0 ? $" {(Clean(Steps[s].Name) ? "-" : $"{oracleDelays.Count}/{perCell}")} | {Percentile(oracleDelays, 0.5)} | {oracleFalses} |" : "";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {Steps[s].Name} | {rate} | {found} | {recall} | {Percentile(delays, 0.5)} | {Percentile(delays, 0.9)} | {falses} |{oracleCells}"));
            }
        }

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"findings {trueFindings + falseFindings}: {trueFindings} true, {falseFindings} false; precision {(trueFindings + falseFindings == 0 ? 1 : (double)trueFindings / (trueFindings + falseFindings)):0.000}; false findings per 1000 operation-hours without a step: {1000 * falseFindings / Math.Max(cleanHours, 1):0.00}"));
        return 0;
    }

    // Rates under one a minute have seeds of their own (negative), so the corpus of the others stays as it was.
    private static int RateSeed(double rate) => (rate >= 1 ? (int)rate : -(int)Math.Round(rate * 100)) * 10_007;

    // An operation without a step: every finding on it is false.
    private static bool Clean(string step) => step is "none" or Burst;

    private static string Percentile(List<int> sorted, double q) =>
        sorted.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))]} min");

    /// <summary>
    /// Simulates one operation minute by minute, judging minutes 240 to 479 as they complete;
    /// returns the detection delay (null when missed) and the false findings. A burst starts at
    /// <paramref name="stepMinute"/>.
    /// </summary>
    private static (int? Delay, int Falses) Simulate(Random random, double rate, (string Name, double Factor, bool Tail) step, int stepMinute, double confidence, double minuteSigma, double outliers, double trimAverage, Oracle? oracle)
    {
        var log = new MinuteLog(StepDetector.HistoryMinutes);
        var runs = new RunLog();
        long? judgedRun = null;
        var runStepStart = long.MinValue;
        int? delay = null;
        var falses = 0;
        var quietUntil = 0;
        var direction = step.Factor >= 1 ? 1 : -1;
        var sigma = 0.3 + (random.NextDouble() * 0.25);
        var median = 20 + (random.NextDouble() * 400);
        var phase = random.NextDouble() * 2 * Math.PI;
        var drift = (random.NextDouble() - 0.5) * 0.2;
        var spikes = new HashSet<int>();
        for (var k = 0; k < 1; k++)
        {
            spikes.Add(random.Next(480));
        }

        var (burstFrom, burstTo, burstFactor) = step.Name == Burst ? (stepMinute, stepMinute + 2 + random.Next(3), 2 + random.NextDouble()) : (0, 0, 1.0);
        if (step.Name == Burst)
        {
            stepMinute = int.MaxValue; // no step: every finding is false
        }

        var values = new List<double>();
        var accumulator = new Vigil.Core.Metrics.WindowAccumulator();
        for (var m = 0; m < 480; m++)
        {
            // The daily cycle and the drift, and (with --minute-sigma) the minute's own load, which moves every execution of the minute alike.
            var level = median * (1 + (0.075 * (1 + Math.Sin(phase + (2 * Math.PI * m / 1440))))) * (1 + (drift * m / 1440))
                * (minuteSigma > 0 ? Math.Exp(minuteSigma * Gaussian(random)) : 1);
            var spike = spikes.Contains(m) ? 3 + (random.NextDouble() * 5) : 1;
            var stepped = (m >= stepMinute && !step.Tail ? step.Factor : 1) * (m >= burstFrom && m < burstTo ? burstFactor : 1);
            values.Clear();
            var count = Poisson(random, rate);
            for (var i = 0; i < count; i++)
            {
                var v = level * spike * stepped * Math.Exp(sigma * Gaussian(random));
                if (step.Tail && m >= stepMinute && random.NextDouble() < 0.1)
                {
                    v *= step.Factor;
                }

                if (outliers > 0 && random.NextDouble() < outliers)
                {
                    v *= 5 + (15 * random.NextDouble()); // a cold cache, a collection, a retry: rare and far slower
                }

                values.Add(v);
            }

            if (values.Count > 0)
            {
                values.Sort();
                // As the monitor does: a quiet minute's durations one by one, besides its summary.
                var executions = values.Count <= MinuteLog.MaxKeptExecutions ? values.Select(v => (float)v).ToArray() : [];
                var summary = new MinuteSummary(values.Count, (float)(trimAverage > 0 ? Average(values, trimAverage) * values.Count : values.Sum()), (float)Rank(values, 0.5), (float)Rank(values, 0.95), (float)LogMean(accumulator, values));
                log.Set(m * MinuteMs, summary, executions);
                if (executions.Length > 0)
                {
                    runs.Add(m * MinuteMs, summary, RegressionMonitor.RunOf(m * MinuteMs, executions)); // and one of the minutes it ran in
                }
            }

            if (m >= 240)
            {
                oracle?.Minute(m, values, level, sigma);
            }

            if (m < 240 || m < quietUntil || Judge(log, runs, m * MinuteMs, ref judgedRun, runStepStart, confidence) is not { } finding)
            {
                continue;
            }

            runStepStart = finding.BlockMinutes == 0 ? finding.StartMs : runStepStart;

            if (m >= stepMinute && finding.Direction == direction && delay is null)
            {
                delay = m - stepMinute;
                if (direction > 0)
                {
                    quietUntil = int.MaxValue; // an open regression: the monitor only watches for its end, and the step holds
                    continue;
                }
            }
            else
            {
                falses++;
            }

            quietUntil = (int)(StepDetector.QuietUntil(finding, m * MinuteMs) / MinuteMs); // as the monitor leaves it alone
        }

        return (delay, falses);
    }

    /// <summary>
    /// As the monitor judges: by blocks of minutes, or, for an operation too quiet for them, by the
    /// minutes it ran in, once per new run, since the last step found in them.
    /// </summary>
    private static StepFinding? Judge(MinuteLog log, RunLog runs, long lastMinuteMs, ref long? judgedRun, long runStepStart, double confidence)
    {
        if (StepDetector.BlockMinutes(log, lastMinuteMs) is not null)
        {
            return StepDetector.Detect(log, lastMinuteMs, 10, confidence);
        }

        if (runs.LatestMs == judgedRun)
        {
            return null;
        }

        judgedRun = runs.LatestMs;
        return StepDetector.RunFindings(runs, 10, confidence, runStepStart) is [var first, ..] ? first : null;
    }

    /// <summary>
    /// A detector that knows the model (<c>--oracle h</c>): Page's CUSUM of each minute's exact
    /// log-likelihood ratio, step against none, knowing what the step detector has to learn — the
    /// minute's usual level (cycle and drift), σ, the step's size and shape, and that one minute in
    /// 480 is a spike 3–8 times slower (a mixture under both, so a spike moves the ratio little) —
    /// from the first minute judged. Minutes are independent given their level, so a false alarm
    /// comes at most once in e^h minutes on average. For a lasting change of known size the CUSUM
    /// is asymptotically the fastest detector, in the worst case, at a given mean time to a false
    /// alarm (Lorden 1971; Moustakides 1986 for identically distributed data): a near-best
    /// reference for the step detector, which has to learn the level and does not know the size.
    /// On the clean operations all six steps' tests run, and an alarm of any is false.
    /// </summary>
    private sealed class Oracle(double h, (string Name, double Factor, bool Tail)[] steps, int stepMinute)
    {
        private const int Grid = 16;
        private const double SpikeChance = 1.0 / 480; // one spike minute in the operation's 480
        private static readonly double[] SpikeShifts = [.. Enumerable.Range(0, Grid).Select(j => Math.Log(3 + (5 * (j + 0.5) / Grid)))];
        private readonly double[] _sums = new double[steps.Length];
        private readonly double[] _usual = new double[Grid + 1];
        private readonly double[] _stepped = new double[Grid + 1];
        private readonly List<double> _residuals = [];

        public int? Delay { get; private set; }

        public int Falses { get; private set; }

        public void Minute(int m, List<double> values, double level, double sigma)
        {
            if (Delay is not null)
            {
                return;
            }

            var variance = sigma * sigma;
            _residuals.Clear();
            foreach (var v in values)
            {
                _residuals.Add(Math.Log(v / level));
            }

            var total = _residuals.Sum();
            var alarm = false;
            for (var t = 0; t < steps.Length; t++)
            {
                var d = Math.Log(steps[t].Factor);
                for (var j = 0; j <= Grid; j++)
                {
                    // j = Grid: no spike; otherwise a spike moving every execution of the minute by SpikeShifts[j].
                    // Log-normal durations: moving every one by a shift is worth (shift Σr − n shift² / 2) / σ².
                    var spike = j < Grid ? SpikeShifts[j] : 0;
                    var usual = Shifted(spike, total, _residuals.Count, variance);
                    var stepped = usual;
                    if (steps[t].Tail)
                    {
                        foreach (var r in _residuals)
                        {
                            stepped += Math.Log(0.9 + (0.1 * Math.Exp(d * (r - spike - (d / 2)) / variance))); // one in ten 3 times slower
                        }
                    }
                    else
                    {
                        stepped = Shifted(spike + d, total, _residuals.Count, variance);
                    }

                    var weight = Math.Log(j < Grid ? SpikeChance / Grid : 1 - SpikeChance);
                    (_usual[j], _stepped[j]) = (weight + usual, weight + stepped);
                }

                _sums[t] = Math.Max(0, _sums[t] + LogSumExp(_stepped) - LogSumExp(_usual));
                alarm |= _sums[t] >= h;
            }

            if (!alarm)
            {
                return;
            }

            if (m >= stepMinute)
            {
                Delay = m - stepMinute;
            }
            else
            {
                Falses++;
                Array.Clear(_sums);
            }
        }

        private static double Shifted(double shift, double total, int count, double variance) => ((shift * total) - (count * shift * shift / 2)) / variance;

        private static double LogSumExp(double[] terms)
        {
            var top = terms.Max();
            return top + Math.Log(terms.Sum(x => Math.Exp(x - top)));
        }
    }

    /// <summary>The average of <paramref name="sorted"/> without its slowest <paramref name="trim"/> share (a part of one execution counting in part).</summary>
    private static double Average(List<double> sorted, double trim)
    {
        var keep = sorted.Count * (1 - trim);
        double sum = 0, kept = 0;
        for (var i = 0; i < sorted.Count && kept < keep; i++)
        {
            var part = Math.Min(1, keep - kept);
            sum += part * sorted[i];
            kept += part;
        }

        return sum / kept;
    }

    /// <summary>A minute's mean logarithm as the monitor finds it: from its executions' sketch bins, trimmed (<see cref="StepDetector.GeometricMeanTrim"/>).</summary>
    private static double LogMean(Vigil.Core.Metrics.WindowAccumulator accumulator, List<double> values)
    {
        accumulator.Reset();
        foreach (var v in values)
        {
            accumulator.AddPoint(v);
        }

        return accumulator.LogMean(StepDetector.GeometricMeanTrim) ?? double.NaN;
    }

    private static double Rank(List<double> sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static int Poisson(Random random, double lambda)
    {
        if (lambda > 30)
        {
            return Math.Max(0, (int)Math.Round(lambda + (Math.Sqrt(lambda) * Gaussian(random))));
        }

        var limit = Math.Exp(-lambda);
        var k = 0;
        var p = random.NextDouble();
        while (p > limit)
        {
            k++;
            p *= random.NextDouble();
        }

        return k;
    }
}
