using Vigil.Storage.Errors;

namespace Vigil.Errors.Issues;

/// <summary>
/// An issue's spike: its events in the last 5 minutes are at least
/// <see cref="ErrorOptions.SpikeMinimumEvents"/> and at least <see cref="ErrorOptions.SpikeFactor"/>
/// times its baseline, the median of the twelve 5-minute windows of the hour before (at least 1
/// event). The median, not the mean, so that one earlier burst does not raise the bar; an issue
/// younger than that hour has no baseline and is not judged (its new-issue alert covers it).
/// </summary>
internal static class SpikeRule
{
    private const long WindowMs = 5 * 60_000;
    private const int BaselineWindows = 12;

    /// <summary>The events of the last 5 minutes and the baseline.</summary>
    public static (long Recent, double Baseline) Measure(IReadOnlyList<MinuteCount> minutes, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        var currentMinute = nowMs - (nowMs % 60_000);
        var recentFrom = currentMinute - WindowMs + 60_000;
        var recent = minutes.Where(m => m.MinuteMs >= recentFrom && m.MinuteMs <= currentMinute).Sum(m => m.Events);
        var windows = new long[BaselineWindows];
        foreach (var minute in minutes)
        {
            var back = (recentFrom - 1 - minute.MinuteMs) / WindowMs;
            if (minute.MinuteMs < recentFrom && back < BaselineWindows)
            {
                windows[back] += minute.Events;
            }
        }

        Array.Sort(windows);
        return (recent, (windows[(BaselineWindows / 2) - 1] + windows[BaselineWindows / 2]) / 2.0);
    }

    /// <summary>Whether the issue spikes now, and the level it had to reach.</summary>
    public static (bool Holds, long Recent, double Threshold) Judge(StoredIssue issue, IReadOnlyList<MinuteCount> minutes, long nowMs, ErrorOptions options)
    {
        ArgumentNullException.ThrowIfNull(issue);
        ArgumentNullException.ThrowIfNull(options);
        var (recent, baseline) = Measure(minutes, nowMs);
        var threshold = Math.Max(options.SpikeMinimumEvents, options.SpikeFactor * Math.Max(baseline, 1));
        var oldEnough = issue.FirstSeenMs <= nowMs - ((BaselineWindows + 1) * WindowMs);
        return (oldEnough && recent >= threshold, recent, threshold);
    }
}
