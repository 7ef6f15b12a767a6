using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Core;
using Vigil.Core.Metrics;

namespace Vigil.Performance.Slos;

/// <summary>An objective read from JSON: the definition, or the problems per field.</summary>
/// <param name="Definition">The definition; null when there are problems.</param>
/// <param name="Errors">The problems per field (JSON names); empty when there are none.</param>
public sealed record SloParseResult(SloDefinition? Definition, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>
/// An objective as JSON (the API's body and what storage keeps): read strictly, one problem per
/// field (unknown fields, wrong types, values out of range, fields that do not belong to the
/// kind), and written with every field.
/// </summary>
public static class SloJson
{
    /// <summary>The longest window.</summary>
    public const int MaxWindowDays = 90;

    private static readonly HashSet<string> Fields = new(StringComparer.Ordinal)
    {
        "name", "kind", "metric", "match", "thresholdMs", "comparison", "threshold", "objectivePercent", "windowDays", "enabled",
    };

    private static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal) { "id", "status", "createdAt", "updatedAt" };

    /// <summary>Reads and checks a definition. Read-only fields (<c>id</c>, <c>status</c>…) are ignored, so an objective read from the API can be sent back.</summary>
    public static SloParseResult Parse(JsonElement body)
    {
        var errors = new FieldErrors();

        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "The body must be a JSON object.");
            return Result(null, errors);
        }

        foreach (var property in body.EnumerateObject())
        {
            if (!Fields.Contains(property.Name) && !ReadOnly.Contains(property.Name))
            {
                errors.Add(property.Name, $"'{property.Name}' is not a field of an objective.");
            }
        }

        var name = String(body, "name", errors.Add);
        if (name is null || name.Trim().Length == 0 || name.Length > 200)
        {
            errors.Add("name", "'name' is required: 1 to 200 characters.");
        }

        SloKind? kind = null;
        switch (String(body, "kind", errors.Add))
        {
            case "latency": kind = SloKind.Latency; break;
            case "errors": kind = SloKind.Errors; break;
            case "gauge": kind = SloKind.Gauge; break;
            default: errors.Add("kind", "'kind' must be one of latency, errors, gauge."); break; // the fields that depend on the kind are not judged against a guess
        }

        var metric = String(body, "metric", errors.Add);
        if (!MetricNames.IsValidMetricName(metric))
        {
            errors.Add("metric", "'metric' must be a metric name.");
        }

        var match = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (body.TryGetProperty("match", out var matchElement) && matchElement.ValueKind != JsonValueKind.Null)
        {
            if (matchElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add("match", "'match' must be an object of label names and values.");
            }
            else
            {
                foreach (var label in matchElement.EnumerateObject())
                {
                    if (!MetricNames.IsValidLabelName(label.Name) || label.Name.StartsWith("__", StringComparison.Ordinal) || label.Value.ValueKind != JsonValueKind.String || label.Value.GetString()!.Length is 0 or > 1024)
                    {
                        errors.Add($"match.{label.Name}", "Each label of 'match' must be a label name (not starting with '__', which ingest keeps for itself) with a string value of 1 to 1024 characters.");
                    }
                    else
                    {
                        match[label.Name] = label.Value.GetString()!;
                    }
                }

                if (match.Count > 16)
                {
                    errors.Add("match", "'match' takes at most 16 labels.");
                }
            }
        }

        var thresholdMs = Number(body, "thresholdMs", errors.Add);
        var threshold = Number(body, "threshold", errors.Add);
        SloComparison? comparison = null;
        if (body.TryGetProperty("comparison", out var comparisonElement) && comparisonElement.ValueKind != JsonValueKind.Null)
        {
            comparison = comparisonElement.ValueKind == JsonValueKind.String ? comparisonElement.GetString() switch
            {
                "less_than" => SloComparison.LessThan,
                "greater_than" => SloComparison.GreaterThan,
                _ => null,
            } : null;
            if (comparison is null)
            {
                errors.Add("comparison", "'comparison' must be less_than or greater_than.");
            }
        }

        if (kind == SloKind.Latency && thresholdMs is not > 0)
        {
            errors.Add("thresholdMs", "A latency objective needs 'thresholdMs': the duration, over 0, a good execution stays within.");
        }

        if (kind is not null && kind != SloKind.Latency && thresholdMs is not null)
        {
            errors.Add("thresholdMs", "'thresholdMs' belongs to latency objectives only.");
        }

        if (kind == SloKind.Gauge && (comparison is null || threshold is null))
        {
            errors.Add(comparison is null ? "comparison" : "threshold", "A gauge objective needs 'comparison' (less_than or greater_than) and 'threshold'.");
        }

        if (kind is not null && kind != SloKind.Gauge && (comparison is not null || threshold is not null))
        {
            errors.Add(comparison is not null ? "comparison" : "threshold", "'comparison' and 'threshold' belong to gauge objectives only.");
        }

        var objective = Number(body, "objectivePercent", errors.Add);
        if (objective is not (> 0 and < 100))
        {
            errors.Add("objectivePercent", "'objectivePercent' is required: over 0 and under 100 (99.9).");
        }

        var windowDays = 30;
        if (body.TryGetProperty("windowDays", out var windowElement) && windowElement.ValueKind != JsonValueKind.Null
            && (windowElement.ValueKind != JsonValueKind.Number || !windowElement.TryGetInt32(out windowDays) || windowDays is < 1 or > MaxWindowDays))
        {
            errors.Add("windowDays", $"'windowDays' must be a whole number of days from 1 to {MaxWindowDays}.");
        }

        var enabled = true;
        if (body.TryGetProperty("enabled", out var enabledElement) && enabledElement.ValueKind != JsonValueKind.Null)
        {
            if (enabledElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors.Add("enabled", "'enabled' must be true or false.");
            }
            else
            {
                enabled = enabledElement.GetBoolean();
            }
        }

        return errors.Count > 0
            ? Result(null, errors)
            : Result(new SloDefinition(name!.Trim(), kind!.Value, metric!, match, thresholdMs, comparison, threshold, objective!.Value, windowDays, enabled), errors);
    }

    /// <summary>The definition as JSON, every field written.</summary>
    public static JsonObject Write(SloDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var match = new JsonObject();
        foreach (var (label, value) in definition.Match)
        {
            match[label] = value;
        }

        return new JsonObject
        {
            ["name"] = definition.Name,
            ["kind"] = definition.Kind switch { SloKind.Latency => "latency", SloKind.Errors => "errors", _ => "gauge" },
            ["metric"] = definition.Metric,
            ["match"] = match,
            ["thresholdMs"] = definition.ThresholdMs,
            ["comparison"] = definition.Comparison switch { SloComparison.LessThan => "less_than", SloComparison.GreaterThan => "greater_than", _ => null },
            ["threshold"] = definition.Threshold,
            ["objectivePercent"] = definition.ObjectivePercent,
            ["windowDays"] = definition.WindowDays,
            ["enabled"] = definition.Enabled,
        };
    }

    /// <summary>Reads a stored definition (written by <see cref="Write"/>).</summary>
    public static SloDefinition Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement).Definition ?? throw new InvalidOperationException("A stored objective is not valid.");
    }

    private static string? String(JsonElement body, string field, Action<string, string> error)
    {
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error(field, $"'{field}' must be a string.");
            return null;
        }

        return element.GetString();
    }

    private static double? Number(JsonElement body, string field, Action<string, string> error)
    {
        if (!body.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value) || Math.Abs(value) > 1e15)
        {
            error(field, $"'{field}' must be a finite number.");
            return null;
        }

        return value;
    }

    private static SloParseResult Result(SloDefinition? definition, FieldErrors errors) =>
        new(definition, errors.ToDictionary());
}
