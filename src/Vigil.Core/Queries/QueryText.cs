using System.Globalization;

namespace Vigil.Core.Queries;

/// <summary>
/// Times and durations in query strings, the way Prometheus users write them: one parser for the
/// HTTP API and the dashboard's pages, so a link works the same in both.
/// </summary>
public static class QueryText
{
    /// <summary>The problem of a time <see cref="TryParseTime"/> refuses.</summary>
    public const string TimeProblem = "must be an ISO-8601 time or Unix seconds, from 1970-01-01 to 9999-01-01";

    // Ranges are widened by a window or a step: a year of room below the largest time
    // DateTimeOffset holds keeps that arithmetic from overflowing.
    private static readonly DateTimeOffset MaxTime = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>An ISO-8601 time or Unix seconds (fractions allowed), from 1970-01-01 to 9999-01-01.</summary>
    public static bool TryParseTime(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
        {
            if (seconds is < 0 || seconds > MaxTime.ToUnixTimeSeconds())
            {
                return false;
            }

            time = DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time)
            || time < DateTimeOffset.UnixEpoch || time > MaxTime)
        {
            time = default;
            return false;
        }

        return true;
    }

    /// <summary>A duration such as <c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>7d</c>, or plain seconds.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text[^1] switch
            {
                's' => (text[..^1], 1.0),
                'm' => (text[..^1], 60.0),
                'h' => (text[..^1], 3600.0),
                'd' => (text[..^1], 86400.0),
                'w' => (text[..^1], 604800.0),
                _ => (text, 1.0),
            };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value <= 0 || value * unit > 3650 * 86400.0)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(Math.Round(value * unit * 1000));
        return duration > TimeSpan.Zero;
    }

    /// <summary>A duration as people write it back: <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>7d</c>.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        return seconds switch
        {
            <= 0 => duration.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms",
            _ when seconds % 86400 == 0 => (seconds / 86400).ToString(CultureInfo.InvariantCulture) + "d",
            _ when seconds % 3600 == 0 => (seconds / 3600).ToString(CultureInfo.InvariantCulture) + "h",
            _ when seconds % 60 == 0 => (seconds / 60).ToString(CultureInfo.InvariantCulture) + "m",
            _ => seconds.ToString(CultureInfo.InvariantCulture) + "s",
        };
    }
}
