using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Core;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Server.Rules;

/// <summary>
/// The one mapping between <see cref="AlertRule"/> and the rule body of the HTTP API
/// (<see cref="RuleDocument"/>), used by the rule endpoints and the default rules of
/// <c>config/base.json</c>, so a rule reads the same wherever a user sees it. (The database
/// keeps rules in a format of its own.)
/// </summary>
internal static class RuleJson
{
    private static readonly AlertRule Defaults = new() { Id = "", Name = "", Metric = "" };

    // Fields whose validator messages mean nothing while the threshold type itself is unknown.
    private static readonly string[] ThresholdFields = ["threshold", "baselineMultiplier", "baselineDays", "comparison", "minChange", "unlessUsual"];

    /// <summary>Strict reading (unknown fields and numbers in strings are errors), camelCase: the API's settings.</summary>
    public static JsonSerializerOptions Strict { get; } = Create(JsonUnmappedMemberHandling.Disallow);

    /// <summary>The document of a rule, every field set.</summary>
    public static RuleDocument ToDocument(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var document = new RuleDocument();
        Fill(document, rule);
        return document;
    }

    /// <summary>Copies every field of a rule onto a document (or a type derived from it).</summary>
    public static void Fill(RuleDocument document, AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(rule);
        document.Name = rule.Name;
        document.Description = rule.Description;
        document.Type = rule.Type;
        document.Metric = rule.Metric;
        document.Match = rule.Match.ToDictionary(pair => pair.Key, pair => (string?)pair.Value, StringComparer.Ordinal);
        document.GroupBy = [.. rule.GroupBy];
        document.Aggregation = rule.Aggregation.ToWire();
        document.WindowMinutes = rule.WindowMinutes;
        document.MinDataPoints = rule.MinDataPoints;
        document.NoData = rule.NoData.ToWire();
        document.ThresholdType = rule.ThresholdType.ToWire();
        document.Threshold = rule.Threshold;
        document.BaselineMultiplier = rule.BaselineMultiplier;
        document.BaselineDays = rule.BaselineDays;
        document.Sensitivity = rule.Sensitivity.ToWire();
        document.AnomalyMethod = rule.AnomalyMethod.ToWire();
        document.MinChange = rule.MinChange;
        document.UnlessUsual = rule.UnlessUsual;
        document.Comparison = rule.Comparison.ToWire();
        document.ForSeconds = rule.ForSeconds;
        document.MetMinutes = rule.MetMinutes;
        document.OfMinutes = rule.OfMinutes;
        document.TrimMinutes = rule.TrimMinutes;
        document.RecoveryThreshold = rule.RecoveryThreshold;
        document.Severity = rule.Severity.ToWire();
        document.CooldownMinutes = rule.CooldownMinutes;
        document.RepeatIntervalMinutes = rule.RepeatIntervalMinutes;
        document.Channels = [.. rule.Channels];
        document.EscalationChannels = [.. rule.EscalationChannels];
        document.Labels = rule.Labels.ToDictionary(pair => pair.Key, pair => (string?)pair.Value, StringComparer.Ordinal);
        document.RunbookUrl = rule.RunbookUrl;
        document.Enabled = rule.Enabled;
    }

    /// <summary>
    /// The rule a document describes, or the problems by field (camelCase names, as in the JSON):
    /// unknown wire names, fractional counts, null strings, then everything
    /// <see cref="RuleValidator"/> finds.
    /// </summary>
    /// <param name="id">The rule's id.</param>
    /// <param name="document">The document.</param>
    /// <param name="channelExists">Whether a channel id exists; channels are not checked when null.</param>
    public static (AlertRule? Rule, Dictionary<string, string[]> Errors) ToRule(string id, RuleDocument document, Func<string, bool>? channelExists = null)
    {
        var (rule, errors) = Map(id, document);
        var thresholdTypeUnknown = errors.Has("thresholdType");
        foreach (var (field, messages) in RuleValidator.Validate(rule, channelExists))
        {
            if (!errors.Has(field) && !(thresholdTypeUnknown && ThresholdFields.Contains(field)))
            {
                foreach (var message in messages)
                {
                    errors.Add(field, message);
                }
            }
        }

        return (errors.Count == 0 ? rule : null, errors.ToDictionary());
    }

    /// <summary>Problems by field as one line: <c>threshold: is required; severity: 'x' is not one of ...</c>.</summary>
    public static string Describe(IReadOnlyDictionary<string, string[]> errors) =>
        string.Join("; ", errors.Select(pair => $"{pair.Key}: {string.Join(", ", pair.Value)}"));

    private static (AlertRule Rule, FieldErrors Errors) Map(string id, RuleDocument document)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(document);
        var errors = new FieldErrors();

        var aggregation = Defaults.Aggregation;
        if (document.Aggregation is { } aggregationName && !AggregationNames.TryParse(aggregationName, out aggregation))
        {
            errors.Add("aggregation", NotOneOf(aggregationName, AggregationNames.All));
        }

        var thresholdType = Defaults.ThresholdType;
        if (document.ThresholdType is { } thresholdTypeName && !AlertNames.TryParseThresholdType(thresholdTypeName, out thresholdType))
        {
            errors.Add("thresholdType", NotOneOf(thresholdTypeName, Enum.GetValues<ThresholdType>().Select(t => t.ToWire())));
        }

        var noData = Defaults.NoData;
        if (document.NoData is { } noDataName && !AlertNames.TryParseNoData(noDataName, out noData))
        {
            errors.Add("noData", NotOneOf(noDataName, Enum.GetValues<NoDataPolicy>().Select(p => p.ToWire())));
        }

        var sensitivity = Defaults.Sensitivity;
        if (document.Sensitivity is { } sensitivityName && !AlertNames.TryParseSensitivity(sensitivityName, out sensitivity))
        {
            errors.Add("sensitivity", NotOneOf(sensitivityName, Enum.GetValues<Vigil.Core.Baselines.AnomalySensitivity>().Select(s => s.ToWire())));
        }

        var anomalyMethod = Defaults.AnomalyMethod;
        if (document.AnomalyMethod is { } methodName && !AlertNames.TryParseAnomalyMethod(methodName, out anomalyMethod))
        {
            errors.Add("anomalyMethod", NotOneOf(methodName, Enum.GetValues<Vigil.Core.Baselines.AnomalyMethod>().Select(m => m.ToWire())));
        }

        var comparison = Defaults.Comparison;
        if (document.Comparison is { } comparisonName && !AlertNames.TryParseComparison(comparisonName, out comparison))
        {
            errors.Add("comparison", NotOneOf(comparisonName, Enum.GetValues<Comparison>().Select(c => c.ToWire())));
        }

        var severity = Defaults.Severity;
        if (document.Severity is { } severityName && !AlertNames.TryParseSeverity(severityName, out severity))
        {
            errors.Add("severity", NotOneOf(severityName, Enum.GetValues<Severity>().Select(s => s.ToWire())));
        }

        int Whole(string field, double? value, int fallback)
        {
            if (value is not { } number)
            {
                return fallback;
            }

            if (!double.IsFinite(number) || number != Math.Floor(number) || number is < int.MinValue or > int.MaxValue)
            {
                errors.Add(field, "must be a whole number");
                return fallback;
            }

            return (int)number;
        }

        Dictionary<string, string> Strings(string field, Dictionary<string, string?>? values)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in values ?? [])
            {
                if (value is null)
                {
                    errors.Add($"{field}.{key}", "must be a string, not null");
                }
                else
                {
                    result[key] = value;
                }
            }

            return result;
        }

        string[] List(string field, List<string?>? values)
        {
            var result = new List<string>(values?.Count ?? 0);
            for (var i = 0; i < (values?.Count ?? 0); i++)
            {
                if (values![i] is { } value)
                {
                    result.Add(value);
                }
                else
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]"), "must be a string, not null");
                }
            }

            return [.. result];
        }

        var rule = new AlertRule
        {
            Id = id,
            Name = document.Name ?? "",
            Description = document.Description,
            Type = document.Type ?? Defaults.Type,
            Metric = document.Metric ?? "",
            Match = Strings("match", document.Match),
            GroupBy = List("groupBy", document.GroupBy),
            Aggregation = aggregation,
            WindowMinutes = document.WindowMinutes ?? Defaults.WindowMinutes,
            MinDataPoints = Whole("minDataPoints", document.MinDataPoints, Defaults.MinDataPoints),
            NoData = noData,
            ThresholdType = thresholdType,
            Threshold = document.Threshold,
            BaselineMultiplier = document.BaselineMultiplier,
            BaselineDays = Whole("baselineDays", document.BaselineDays, Defaults.BaselineDays),
            Sensitivity = sensitivity,
            AnomalyMethod = anomalyMethod,
            MinChange = document.MinChange,
            UnlessUsual = document.UnlessUsual ?? Defaults.UnlessUsual,
            Comparison = comparison,
            ForSeconds = Whole("forSeconds", document.ForSeconds, Defaults.ForSeconds),
            MetMinutes = Whole("metMinutes", document.MetMinutes, Defaults.MetMinutes),
            OfMinutes = Whole("ofMinutes", document.OfMinutes, Defaults.OfMinutes),
            TrimMinutes = Whole("trimMinutes", document.TrimMinutes, Defaults.TrimMinutes),
            RecoveryThreshold = document.RecoveryThreshold,
            Severity = severity,
            CooldownMinutes = Whole("cooldownMinutes", document.CooldownMinutes, Defaults.CooldownMinutes),
            RepeatIntervalMinutes = Whole("repeatIntervalMinutes", document.RepeatIntervalMinutes, Defaults.RepeatIntervalMinutes),
            Channels = List("channels", document.Channels),
            EscalationChannels = List("escalationChannels", document.EscalationChannels),
            Labels = Strings("labels", document.Labels),
            RunbookUrl = document.RunbookUrl,
            Enabled = document.Enabled ?? Defaults.Enabled,
        };
        return (rule, errors);
    }

    private static string NotOneOf(string value, IEnumerable<string> accepted) =>
        $"'{value}' is not one of {string.Join(", ", accepted)}";

    private static JsonSerializerOptions Create(JsonUnmappedMemberHandling unmapped)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = unmapped,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
