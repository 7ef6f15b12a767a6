using BenchmarkDotNet.Attributes;
using Vigil.Performance.Regressions;

namespace Vigil.Benchmarks;

/// <summary>
/// One judgement of the regression monitor's minute pass: <see cref="StepDetector.Detect"/> of an
/// operation with four hours of history and no step (the common case: every split and both
/// measures are tested), busy (100 executions a minute: one-minute blocks) and quiet (5 a minute:
/// two-minute blocks, each minute's durations kept one by one as the monitor keeps them); and a
/// quiet one whose last hour is 25 % slower, where the median's step is tested on the executions
/// (<c>StepDetector.ExecutionTail</c>). The monitor makes one a minute per operation. And a job that
/// runs every five minutes, judged by its last 135 runs (<see cref="StepDetector.RunFindings"/>,
/// once per new run), and whether one with a regression is back (<see cref="StepDetector.RunIsBack"/>,
/// once a minute).
/// </summary>
[MemoryDiagnoser]
public class StepDetectorBenchmarks
{
    private const long MinuteMs = 60_000;
    private const long LastMinuteMs = 239 * MinuteMs;

    private MinuteLog _busy = null!;
    private MinuteLog _quiet = null!;
    private MinuteLog _quietStep = null!;
    private RunLog _runs = null!;

    [GlobalSetup]
    public void Setup()
    {
        _busy = Log(100, new Random(1));
        _quiet = Log(5, new Random(2));
        _quietStep = Log(5, new Random(3), stepMinute: 180);
        var random = new Random(4);
        _runs = new RunLog();
        for (var run = 0; run < RunLog.Capacity; run++)
        {
            var ms = (float)(60_000 * Math.Exp(0.4 * Normal(random)));
            _runs.Add(run * 5 * MinuteMs, new MinuteSummary(1, ms, ms, ms, MathF.Log(ms)), ms);
        }

        // The rank test's exact distributions are cached per pair of block counts: warm them, as a running monitor has.
        StepDetector.Detect(_busy, LastMinuteMs, 10, 0.999999);
        StepDetector.Detect(_quiet, LastMinuteMs, 10, 0.999999);
        StepDetector.Detect(_quietStep, LastMinuteMs, 10, 0.999999);
        StepDetector.RunFindings(_runs, 10, 0.999999);
    }

    [Benchmark(Baseline = true, Description = "busy operation (100 a minute)")]
    public StepFinding? Busy() => StepDetector.Detect(_busy, LastMinuteMs, 10, 0.999999);

    [Benchmark(Description = "quiet operation (5 a minute)")]
    public StepFinding? Quiet() => StepDetector.Detect(_quiet, LastMinuteMs, 10, 0.999999);

    [Benchmark(Description = "quiet operation, +25 % for the last hour")]
    public StepFinding? QuietStep() => StepDetector.Detect(_quietStep, LastMinuteMs, 10, 0.999999);

    [Benchmark(Description = "job every 5 minutes, 135 runs")]
    public IReadOnlyList<StepFinding> Runs() => StepDetector.RunFindings(_runs, 10, 0.999999);

    [Benchmark(Description = "job every 5 minutes, back?")]
    public bool? RunsBack() => StepDetector.RunIsBack(_runs, 0, StepMeasure.P50, 1, 60_000, 10);

    private static MinuteLog Log(double rate, Random random, int stepMinute = int.MaxValue)
    {
        var log = new MinuteLog(StepDetector.HistoryMinutes);
        var values = new List<double>();
        for (var m = 0; m < StepDetector.HistoryMinutes; m++)
        {
            values.Clear();
            var count = Math.Max(1, (int)Math.Round(rate + (Math.Sqrt(rate) * Normal(random))));
            for (var i = 0; i < count; i++)
            {
                values.Add((m >= stepMinute ? 125 : 100) * Math.Exp(0.4 * Normal(random)));
            }

            values.Sort();
            float[] executions = count <= MinuteLog.MaxKeptExecutions ? [.. values.Select(v => (float)v)] : [];
            log.Set(m * MinuteMs, new MinuteSummary(count, (float)values.Sum(), (float)values[count / 2], (float)values[Math.Min(count - 1, (int)(0.95 * count))], (float)values.Average(Math.Log)), executions);
        }

        return log;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
