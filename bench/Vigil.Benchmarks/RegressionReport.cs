using System.Globalization;
using Vigil.Performance.Regressions;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>-- regressions [operations per cell] [step ...] [--minute-sigma σ] [--outliers share] [--trim-average share]</c> (steps by name, e.g. <c>none "+10 %"</c>; all when none are named): scores the regression detector's step test
/// (<see cref="StepDetector"/> at the default confidence) on a synthetic corpus, judged minute by
/// minute as the live detector judges. Each operation runs 8 hours: log-normal durations
/// (σ 0.3–0.55) around a median with a daily cycle (+15 % at the peak), a slow drift (±10 % over
/// a day), with <c>--minute-sigma σ</c> a level of each minute's own (log-normal: load moves a
/// minute's executions together, which a test of executions must not take for evidence), with <c>--outliers q</c>
/// a share q of executions 5–20 times slower at random (a heavy tail, which moves an average far more than a median), with
/// <c>--trim-average t</c> each minute's average taken without its slowest share t (what the detector's average measure would
/// find if the monitor kept such averages: a what-if, the monitor keeps plain ones), one-minute spikes (about 3 a day per operation, 3–8× slower) and Poisson arrivals at
/// 2, 5, 20, 100 or 300 a minute; from minute 300 to 420 one step starts and holds to the end:
/// +10 %, +25 %, +50 %, +100 %, −30 % (an improvement), a slow tail (10 % of requests 3× slower),
/// or none (the clean operations that measure false findings). A finding within the step's
/// direction after its start is a detection (its delay from the start); any other finding is
/// false. As in the monitor, a regression found stays open (the operation is not judged again:
/// the step holds to the end), and after any other finding the operation is not judged until
/// <see cref="StepDetector.QuietUntil"/>, as in the monitor. The corpus is the same on every run (each operation's generator is seeded by its step,
/// rate and number).
/// </summary>
internal static class RegressionReport
{
    private const long MinuteMs = 60_000;
    private static readonly double[] Rates = [2, 5, 20, 100, 300];
    private static readonly (string Name, double Factor, bool Tail)[] Steps =
    [
        ("none", 1, false), ("+10 %", 1.10, false), ("+25 %", 1.25, false), ("+50 %", 1.5, false), ("+100 %", 2.0, false),
        ("-30 %", 0.7, false), ("slow tail", 3.0, true),
    ];

    public static int Run(TextWriter output, int perCell, IReadOnlyCollection<string> onlySteps, double minuteSigma = 0, double outliers = 0, double trimAverage = 0)
    {
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
        output.WriteLine();
        output.WriteLine("| step | per minute | found | recall | delay p50 | delay p90 | false |");
        output.WriteLine("|---|---|---|---|---|---|---|");
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
                var falses = 0;
                for (var i = 0; i < perCell; i++)
                {
                    var random = new Random((s * 1_000_003) + ((int)rate * 10_007) + i);
                    var stepMinute = Steps[s].Name == "none" ? int.MaxValue : 300 + random.Next(120);
                    var (delay, falsesHere) = Simulate(random, rate, Steps[s], stepMinute, confidence, minuteSigma, outliers, trimAverage);
                    falses += falsesHere;
                    if (delay is { } d)
                    {
                        delays.Add(d);
                    }

                    cleanHours += (Math.Min(480, stepMinute) - 240) / 60.0;
                }

                falseFindings += falses;
                trueFindings += delays.Count;
                delays.Sort();
                var found = Steps[s].Name == "none" ? "-" : $"{delays.Count}/{perCell}";
                var recall = Steps[s].Name == "none" ? "-" : ((double)delays.Count / perCell).ToString("0.00", CultureInfo.InvariantCulture);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {Steps[s].Name} | {rate} | {found} | {recall} | {Percentile(delays, 0.5)} | {Percentile(delays, 0.9)} | {falses} |"));
            }
        }

        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"findings {trueFindings + falseFindings}: {trueFindings} true, {falseFindings} false; precision {(trueFindings + falseFindings == 0 ? 1 : (double)trueFindings / (trueFindings + falseFindings)):0.000}; false findings per 1000 operation-hours without a step: {1000 * falseFindings / Math.Max(cleanHours, 1):0.00}"));
        return 0;
    }

    private static string Percentile(List<int> sorted, double q) =>
        sorted.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))]} min");

    /// <summary>
    /// Simulates one operation minute by minute, judging minutes 240 to 479 as they complete;
    /// returns the detection delay (null when missed) and the false findings.
    /// </summary>
    private static (int? Delay, int Falses) Simulate(Random random, double rate, (string Name, double Factor, bool Tail) step, int stepMinute, double confidence, double minuteSigma, double outliers, double trimAverage)
    {
        var log = new MinuteLog(StepDetector.HistoryMinutes);
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

        var values = new List<double>();
        for (var m = 0; m < 480; m++)
        {
            // The daily cycle and the drift, and (with --minute-sigma) the minute's own load, which moves every execution of the minute alike.
            var level = median * (1 + (0.075 * (1 + Math.Sin(phase + (2 * Math.PI * m / 1440))))) * (1 + (drift * m / 1440))
                * (minuteSigma > 0 ? Math.Exp(minuteSigma * Gaussian(random)) : 1);
            var spike = spikes.Contains(m) ? 3 + (random.NextDouble() * 5) : 1;
            var stepped = m >= stepMinute && !step.Tail ? step.Factor : 1;
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
                log.Set(m * MinuteMs, new MinuteSummary(values.Count, (float)(trimAverage > 0 ? Average(values, trimAverage) * values.Count : values.Sum()), (float)Rank(values, 0.5), (float)Rank(values, 0.95)), executions);
            }

            if (m < 240 || m < quietUntil || StepDetector.Detect(log, m * MinuteMs, 10, confidence) is not { } finding)
            {
                continue;
            }

            if (m >= stepMinute && finding.Direction == direction && delay is null)
            {
                delay = m - stepMinute;
                if (direction > 0)
                {
                    break; // an open regression: the monitor only watches for its end, and the step holds
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
