using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Vigil.Core.Baselines;

namespace Vigil.Benchmarks;

/// <summary>
/// The seasonal baseline of one series fed a value a minute (daily and weekly seasons,
/// log-normal noise): building a week of history, and one backtest or live step (add the
/// minute's value, ask the baseline as of the next minute) in the steady state with the
/// default 28 days held. The naive comparison keeps the raw minutes and recomputes the
/// median and MAD of the hour of the week from them at every step.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SeasonalBaselineBenchmarks
{
    private const int MinutesPerWeek = 7 * 24 * 60;
    private const long MinuteMs = 60_000;
    private static readonly long StartMs = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private readonly double[] _week = new double[MinutesPerWeek];
    private SeasonalBaseline _steady = null!;
    private NaiveSeasonalBaseline _naive = null!;
    private long _stepMs;
    private long _naiveStepMs;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        for (var i = 0; i < _week.Length; i++)
        {
            var hour = i / 60 % 24;
            var weekend = i >= 5 * 24 * 60;
            var level = 100 * (1 + (0.6 * Math.Cos(2 * Math.PI * (hour - 14) / 24))) * (weekend ? 0.5 : 1);
            _week[i] = level * Math.Exp(0.1 * Normal(random));
        }

        _steady = new SeasonalBaseline();
        _naive = new NaiveSeasonalBaseline(28 * MinutesPerWeek / 7);
        _stepMs = _naiveStepMs = StartMs;
        for (var i = 0; i < 4 * MinutesPerWeek; i++)
        {
            StepSeasonal();
            _naive.Add(_naiveStepMs, Value(_naiveStepMs));
            _naiveStepMs += MinuteMs;
        }
    }

    [BenchmarkCategory("build a week"), Benchmark(Baseline = true, Description = "naive: List<(long, double)>")]
    public int BuildNaive()
    {
        var list = new List<(long, double)>();
        for (var i = 0; i < _week.Length; i++)
        {
            list.Add((StartMs + (i * MinuteMs), _week[i]));
        }

        return list.Count;
    }

    [BenchmarkCategory("build a week"), Benchmark(Description = "SeasonalBaseline.Add × 10 080")]
    public int BuildSeasonal()
    {
        var baseline = new SeasonalBaseline();
        for (var i = 0; i < _week.Length; i++)
        {
            baseline.Add(StartMs + (i * MinuteMs), _week[i]);
        }

        return baseline.ObservationCount;
    }

    [BenchmarkCategory("step: add + as-of"), Benchmark(Baseline = true, Description = "naive: raw minutes, filter + sort per step")]
    public double? StepNaive()
    {
        _naive.Add(_naiveStepMs, Value(_naiveStepMs));
        _naiveStepMs += MinuteMs;
        return _naive.CenterAsOf(_naiveStepMs);
    }

    [BenchmarkCategory("step: add + as-of"), Benchmark(Description = "SeasonalBaseline.Add + AsOf")]
    public double? StepSeasonal()
    {
        _steady.Add(_stepMs, Value(_stepMs));
        _stepMs += MinuteMs;
        return _steady.AsOf(_stepMs)?.Center;
    }

    private double Value(long ms) => _week[(int)((ms - StartMs) / MinuteMs % MinutesPerWeek)];

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>The last N minutes raw; every ask filters the same hour of the week before the current hour and sorts it.</summary>
    private sealed class NaiveSeasonalBaseline(int capacity)
    {
        private readonly long[] _ms = new long[capacity];
        private readonly double[] _values = new double[capacity];
        private readonly List<double> _slot = [];
        private int _next;
        private int _count;

        public double Mad { get; private set; }

        public void Add(long ms, double value)
        {
            _ms[_next] = ms;
            _values[_next] = value;
            _next = (_next + 1) % _ms.Length;
            _count = Math.Min(_count + 1, _ms.Length);
        }

        public double? CenterAsOf(long nowMs)
        {
            var hourStart = nowMs - (nowMs % 3_600_000);
            var slot = HourOfWeek.Of(nowMs, TimeZoneInfo.Utc);
            _slot.Clear();
            for (var i = 0; i < _count; i++)
            {
                if (_ms[i] < hourStart && HourOfWeek.Of(_ms[i], TimeZoneInfo.Utc) == slot)
                {
                    _slot.Add(_values[i]);
                }
            }

            if (_slot.Count == 0)
            {
                return null;
            }

            _slot.Sort();
            var median = _slot[_slot.Count / 2];
            for (var i = 0; i < _slot.Count; i++)
            {
                _slot[i] = Math.Abs(_slot[i] - median);
            }

            _slot.Sort();
            Mad = _slot[_slot.Count / 2];
            return median;
        }
    }
}
