using System.ComponentModel.DataAnnotations;

namespace Vigil.Core.Baselines;

/// <summary>
/// How a <see cref="SeasonalBaseline"/> slices its history and when it falls back from the hour
/// of the week to the hour of the day and then to all history. Checked when a baseline is
/// created (<see cref="Validate"/>).
/// </summary>
public sealed class SeasonalBaselineOptions
{
    /// <summary>How far back observations count; older ones are forgotten (a whole hour at a time).</summary>
    /// <value>28 days (four occurrences of every hour of the week).</value>
    [Range(typeof(TimeSpan), "01:00:00", "400.00:00:00")]
    public TimeSpan History { get; set; } = TimeSpan.FromDays(28);

    /// <summary>The fewest observations a level needs before its estimate is used.</summary>
    /// <value>30.</value>
    [Range(1, 1_000_000)]
    public int MinSamples { get; set; } = 30;

    /// <summary>
    /// The fewest past weeks with observations in an hour of the week before that hour's own
    /// baseline is used; with fewer, the hour of the day is. One week would let a single bad
    /// hour (an incident) become the baseline.
    /// </summary>
    /// <value>2.</value>
    [Range(1, 60)]
    public int MinWeeks { get; set; } = 2;

    /// <summary>The fewest past days with observations in an hour of the day before the hour-of-day baseline is used; with fewer, all history is.</summary>
    /// <value>3.</value>
    [Range(1, 400)]
    public int MinDays { get; set; } = 3;

    /// <summary>
    /// The least specific level an estimate may come from: <see cref="BaselineLevel.HourOfWeek"/>
    /// gives no baseline until that hour of the week has history (for alert rules: a learning
    /// week rather than a first weekend judged against weekdays).
    /// </summary>
    /// <value><see cref="BaselineLevel.Flat"/>: every fallback allowed.</value>
    public BaselineLevel LowestLevel { get; set; } = BaselineLevel.Flat;

    /// <summary>
    /// The time zone whose wall-clock hours define the hours of the week and day (business
    /// cycles follow local time: Monday 09:00 in Berlin is Monday 08:00 UTC in winter and
    /// 07:00 UTC in summer). Across a daylight-saving change the repeated hour counts once,
    /// with both hours' observations, and the skipped hour has none that day.
    /// </summary>
    /// <value><see cref="TimeZoneInfo.Utc"/>.</value>
    [Required]
    public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Utc;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeZone, nameof(TimeZone));
        ArgumentOutOfRangeException.ThrowIfLessThan(History, TimeSpan.FromHours(1), nameof(History));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(History, TimeSpan.FromDays(400), nameof(History));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinSamples, 1, nameof(MinSamples));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinSamples, 1_000_000, nameof(MinSamples));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinWeeks, 1, nameof(MinWeeks));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinWeeks, 60, nameof(MinWeeks));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinDays, 1, nameof(MinDays));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinDays, 400, nameof(MinDays));
        if (!Enum.IsDefined(LowestLevel))
        {
            throw new ArgumentOutOfRangeException(nameof(LowestLevel), LowestLevel, "Not a baseline level.");
        }
    }
}
