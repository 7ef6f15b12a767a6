using System.Globalization;

namespace Vigil.Otlp.Traces;

/// <summary>The transaction filters as text (the API's and the dashboard's query strings read them alike).</summary>
public static class TransactionFilters
{
    /// <summary>The longest minimum duration a filter takes, in milliseconds.</summary>
    public const double MaxDurationMs = 1e10;

    /// <summary>What is wrong with a bad <c>minDurationMs</c>.</summary>
    public const string MinDurationProblem = "must be a number of milliseconds from 0 to 10000000000";

    /// <summary>What is wrong with a bad <c>status</c>.</summary>
    public const string StatusProblem = "must be ok or error";

    /// <summary>Reads a minimum duration in milliseconds (0 to <see cref="MaxDurationMs"/>); empty text is no filter.</summary>
    public static bool TryParseMinDuration(string? text, out double? minDurationMs)
    {
        minDurationMs = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 0 and <= MaxDurationMs)
        {
            minDurationMs = parsed;
            return true;
        }

        return false;
    }

    /// <summary>Reads a status: <c>ok</c> (no error), <c>error</c>; empty text is no filter.</summary>
    public static bool TryParseStatus(string? text, out bool? error)
    {
        error = text switch
        {
            "ok" => false,
            "error" => true,
            _ => null,
        };
        return error is not null || string.IsNullOrEmpty(text);
    }
}
