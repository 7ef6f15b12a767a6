using Vigil.Core.Baselines;

namespace Vigil.Core.Alerts;

/// <summary>Wire names (snake_case) of the alert enums.</summary>
public static class AlertNames
{
    /// <summary>The wire name of a severity.</summary>
    public static string ToWire(this Severity value) => value.ToString().ToLowerInvariant();

    /// <summary>The wire name of a status.</summary>
    public static string ToWire(this AlertStatus value) => value.ToString().ToLowerInvariant();

    /// <summary>The wire name of a comparison.</summary>
    public static string ToWire(this Comparison value) => value switch
    {
        Comparison.GreaterThan => "greater_than",
        Comparison.LessThan => "less_than",
        Comparison.Equal => "equal",
        Comparison.GreaterOrEqual => "greater_or_equal",
        _ => "less_or_equal",
    };

    /// <summary>The wire name of a threshold type.</summary>
    public static string ToWire(this ThresholdType value) => value switch
    {
        ThresholdType.Static => "static",
        ThresholdType.Dynamic => "dynamic",
        ThresholdType.Anomaly => "anomaly",
        _ => "percent_change",
    };

    /// <summary>The wire name of a no-data policy.</summary>
    public static string ToWire(this NoDataPolicy value) => value switch
    {
        NoDataPolicy.Ok => "ok",
        NoDataPolicy.Alerting => "alerting",
        _ => "keep_last",
    };

    /// <summary>The wire name of an anomaly sensitivity.</summary>
    public static string ToWire(this AnomalySensitivity value) => value.ToString().ToLowerInvariant();

    /// <summary>The wire name of an anomaly method.</summary>
    public static string ToWire(this AnomalyMethod value) => value.ToString().ToLowerInvariant();

    /// <summary>Parses an anomaly method wire name.</summary>
    public static bool TryParseAnomalyMethod(string? text, out AnomalyMethod value) => TryParse(text, out value);

    /// <summary>Parses a no-data policy wire name.</summary>
    public static bool TryParseNoData(string? text, out NoDataPolicy value)
    {
        foreach (var candidate in Enum.GetValues<NoDataPolicy>())
        {
            if (candidate.ToWire() == text)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Parses an anomaly sensitivity wire name.</summary>
    public static bool TryParseSensitivity(string? text, out AnomalySensitivity value) => TryParse(text, out value);

    /// <summary>Parses a severity wire name.</summary>
    public static bool TryParseSeverity(string? text, out Severity value) => TryParse(text, out value);

    /// <summary>Parses a status wire name.</summary>
    public static bool TryParseStatus(string? text, out AlertStatus value) => TryParse(text, out value);

    /// <summary>Parses a comparison wire name.</summary>
    public static bool TryParseComparison(string? text, out Comparison value)
    {
        foreach (var candidate in Enum.GetValues<Comparison>())
        {
            if (candidate.ToWire() == text)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Parses a threshold type wire name.</summary>
    public static bool TryParseThresholdType(string? text, out ThresholdType value)
    {
        foreach (var candidate in Enum.GetValues<ThresholdType>())
        {
            if (candidate.ToWire() == text)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Whether <paramref name="value"/> compared with <paramref name="threshold"/> holds.</summary>
    public static bool Holds(this Comparison comparison, double value, double threshold) => comparison switch
    {
        Comparison.GreaterThan => value > threshold,
        Comparison.LessThan => value < threshold,
        Comparison.Equal => value == threshold,
        Comparison.GreaterOrEqual => value >= threshold,
        _ => value <= threshold,
    };

    private static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.OrdinalIgnoreCase) && text == text?.ToLowerInvariant())
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }
}
