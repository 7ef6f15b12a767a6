using System.Globalization;
using Microsoft.Extensions.Primitives;
using Vigil.Core.Alerts;
using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Alerts;

/// <summary>The alert list's filter as read from the query string: the filter, or what is wrong with it.</summary>
/// <param name="Filter">The storage filter (null when <paramref name="Errors"/> has entries).</param>
/// <param name="Errors">A message per bad parameter.</param>
public sealed record AlertQuery(AlertFilter? Filter, IReadOnlyDictionary<string, string> Errors);

/// <summary>Limits and parsing shared by the alert pages.</summary>
public static class AlertPages
{
    /// <summary>An id longer than this is not an alert's.</summary>
    public const int MaxIdLength = 100;

    /// <summary>A filter value longer than this is refused.</summary>
    public const int MaxValueLength = 200;

    /// <summary>The most alerts one list shows.</summary>
    public const int ListLimit = 200;

    /// <summary>
    /// Reads <c>severity</c>, <c>status</c>, <c>rule</c>, <c>labels</c> (<c>service=api, route=/x</c>),
    /// <c>from</c> and <c>to</c> (a date, <c>yyyy-MM-dd</c>, UTC; <c>to</c> includes its day, or
    /// an ISO-8601 time).
    /// </summary>
    public static AlertQuery Parse(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        string? One(string name) => QueryFilters.One(query, name, MaxValueLength, errors);

        Severity? severity = null;
        if (One("severity") is { } s)
        {
            if (AlertNames.TryParseSeverity(s, out var parsed) && AlertText.Severities.Contains(s, StringComparer.Ordinal))
            {
                severity = parsed;
            }
            else
            {
                errors["severity"] = $"must be one of {string.Join(", ", AlertText.Severities)}";
            }
        }

        AlertStatus? status = null;
        if (One("status") is { } st)
        {
            if (AlertNames.TryParseStatus(st, out var parsed) && AlertText.Statuses.Contains(st, StringComparer.Ordinal))
            {
                status = parsed;
            }
            else
            {
                errors["status"] = $"must be one of {string.Join(", ", AlertText.Statuses)}";
            }
        }

        var rule = One("rule");
        Dictionary<string, string>? labels = null;
        if (One("labels") is { } text)
        {
            labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    errors["labels"] = $"'{part}' is not label=value (e.g. service=api)";
                    break;
                }

                labels[part[..eq].Trim()] = part[(eq + 1)..].Trim();
            }

            if (labels.Count > 10)
            {
                errors["labels"] = "at most 10 labels";
            }
        }

        var from = Time(One("from"), "from", endOfDay: false, errors);
        var to = Time(One("to"), "to", endOfDay: true, errors);
        if (from is { } f && to is { } t && f >= t)
        {
            errors["to"] = "must be after 'from'";
        }

        foreach (var key in query.Keys)
        {
            if (key is not ("severity" or "status" or "rule" or "labels" or "from" or "to"))
            {
                errors[key.Length > 40 ? key[..40] : key] = "is not a filter of this page (severity, status, rule, labels, from, to)";
            }
        }

        return errors.Count > 0
            ? new AlertQuery(null, errors)
            : new AlertQuery(new AlertFilter(status, severity, rule, from?.ToUnixTimeMilliseconds(), to?.ToUnixTimeMilliseconds(), ListLimit, labels), errors);
    }

    private static DateTimeOffset? Time(string? text, string name, bool endOfDay, Dictionary<string, string> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return endOfDay ? start.AddDays(1) : start;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) && text.Contains('T', StringComparison.Ordinal))
        {
            return at;
        }

        errors[name] = "must be a date (yyyy-MM-dd) or an ISO-8601 time";
        return null;
    }

    /// <summary>The value of a query parameter for a form control (empty when absent).</summary>
    public static string Value(IQueryCollection query, string name)
    {
        ArgumentNullException.ThrowIfNull(query);
        StringValues values = query[name];
        var text = values.Count == 1 ? values.ToString() : "";
        return text.Length > MaxValueLength ? "" : text;
    }
}
