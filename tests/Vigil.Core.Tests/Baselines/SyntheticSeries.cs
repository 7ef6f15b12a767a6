namespace Vigil.Core.Tests.Baselines;

/// <summary>
/// A per-minute series with daily and weekly seasons and log-normal noise, deterministic for a
/// seed: the kind of value a rule judges (a latency percentile or a request rate). Level =
/// 100 × daily (0.4 at 02:00, 1.6 at 14:00, a cosine) × weekly (weekends 0.5) × 1.3 on Monday
/// 09:00–12:00; noise σ (of the logarithm) 0.06 at the busiest hours rising to 0.12 at the quietest,
/// as quiet hours have fewer requests behind each value. Hours are read in <see cref="Zone"/>.
/// </summary>
internal sealed class SyntheticSeries(int seed, TimeZoneInfo? zone = null)
{
    /// <summary>Monday 2026-11-02 00:00 UTC: the first minute of week 0.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    public const long MinuteMs = 60_000;
    public const long HourMs = 3_600_000;
    public const long DayMs = 24 * HourMs;
    public const long WeekMs = 7 * DayMs;

    private readonly Random _random = new(seed);

    public static long StartMs => Start.ToUnixTimeMilliseconds();

    public TimeZoneInfo Zone { get; } = zone ?? TimeZoneInfo.Utc;

    /// <summary>The noiseless level at <paramref name="ms"/>.</summary>
    public double Level(long ms)
    {
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(ms), Zone);
        var hour = local.Hour + (local.Minute / 60.0);
        var daily = 1 + (0.6 * Math.Cos(2 * Math.PI * (hour - 14) / 24));
        var weekly = local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.5 : 1.0;
        var mondayMorning = local.DayOfWeek == DayOfWeek.Monday && local.Hour is >= 9 and < 12 ? 1.3 : 1.0;
        return 100 * daily * weekly * mondayMorning;
    }

    /// <summary>The noise σ of the logarithm at <paramref name="ms"/>: 0.06 at the busiest level, 0.12 at the quietest.</summary>
    public double Sigma(long ms) => 0.06 + (0.06 * Math.Clamp((208 - Level(ms)) / (208 - 20), 0, 1));

    /// <summary>The next noisy value at <paramref name="ms"/> (call in time order: the noise is a sequence).</summary>
    public double Next(long ms) => Level(ms) * Math.Exp(Sigma(ms) * Gaussian());

    /// <summary>(timestamp, value) for every minute in [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    public IEnumerable<(long Ms, double Value)> Minutes(long fromMs, long toMs)
    {
        for (var ms = fromMs; ms < toMs; ms += MinuteMs)
        {
            yield return (ms, Next(ms));
        }
    }

    private double Gaussian()
    {
        // Box–Muller; 1 − u keeps the logarithm finite.
        var u = 1 - _random.NextDouble();
        var v = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }
}
