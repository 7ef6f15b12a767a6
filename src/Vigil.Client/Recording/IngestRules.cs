namespace Vigil.Client;

/// <summary>
/// The Vigil server's checks on ingested items, with its default limits, applied before buffering:
/// the server accepts or rejects a batch whole, so one bad point would otherwise cost up to
/// <see cref="VigilClientOptions.BatchSize"/> good ones. A server configured with stricter limits
/// can still reject a batch; it is then dropped and logged.
/// </summary>
internal static class IngestRules
{
    public const int MaxNameLength = 200;
    public const string ReservedNamePrefix = "vigil_";
    public const int MaxLabelsPerPoint = 32;
    public const int MaxLabelNameLength = 128;
    public const int MaxLabelValueLength = 1024;
    public const int MaxMetadataEntries = 64;

    /// <summary>The server accepts point values and durations within ±10^15 (so every aggregate stays finite).</summary>
    public const double MaxValueMagnitude = 1e15;

    /// <summary>Whether the server accepts <paramref name="value"/>: finite and within ±<see cref="MaxValueMagnitude"/>.</summary>
    public static bool IsAcceptedValue(double value) => Math.Abs(value) <= MaxValueMagnitude;

    /// <summary>The server counts each execution as two points against its 10 000 points per request.</summary>
    public const int MaxExecutionsPerBatch = 5_000;

    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(30);

    /// <summary>Returns why <paramref name="name"/> is not an acceptable metric name, or <see langword="null"/>.</summary>
    public static string? CheckMetricName(string? name)
    {
        if (!IsValidMetricName(name))
        {
            return "the name must match [a-zA-Z_:][a-zA-Z0-9_:]*";
        }

        if (name!.Length > MaxNameLength)
        {
            return $"the name is longer than {MaxNameLength} characters";
        }

        return name.StartsWith(ReservedNamePrefix, StringComparison.Ordinal)
            ? $"names starting with '{ReservedNamePrefix}' are reserved for Vigil's own metrics"
            : null;
    }

    /// <summary>Returns why a label is not acceptable on a point of <paramref name="kind"/>, or <see langword="null"/>.</summary>
    public static string? CheckLabel(string? name, string? value, MetricKind kind)
    {
        if (!IsValidLabelName(name))
        {
            return $"the label name '{name}' must match [a-zA-Z_][a-zA-Z0-9_]*";
        }

        if (name!.Length > MaxLabelNameLength)
        {
            return $"a label name is longer than {MaxLabelNameLength} characters";
        }

        if (name.StartsWith("__", StringComparison.Ordinal))
        {
            return $"the label name '{name}' is reserved (it starts with '__')";
        }

        if (kind == MetricKind.Timing && name == "quantile")
        {
            return "the label name 'quantile' is reserved on timings";
        }

        if (value is null)
        {
            return $"the value of label '{name}' is null";
        }

        return value.Length > MaxLabelValueLength
            ? $"the value of label '{name}' is longer than {MaxLabelValueLength} characters"
            : null;
    }

    /// <summary>Returns why <paramref name="timestamp"/> is outside what the server accepts at <paramref name="now"/>, or <see langword="null"/>.</summary>
    public static string? CheckTimestamp(DateTimeOffset timestamp, DateTimeOffset now)
    {
        if (timestamp > now + MaxFutureSkew)
        {
            return "the timestamp is more than an hour in the future";
        }

        return timestamp < now - MaxAge ? "the timestamp is more than 30 days old" : null;
    }

    /// <summary>Whether <paramref name="name"/> matches <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static bool IsValidMetricName(string? name)
    {
        if (string.IsNullOrEmpty(name) || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != ':')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="name"/> matches <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static bool IsValidLabelName(string? name)
    {
        if (string.IsNullOrEmpty(name) || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
