using System.Text.Json;
using System.Text.Json.Serialization;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Storage.Alerts;

/// <summary>
/// How the database keeps a rule: a JSON object with a field per <see cref="AlertRule"/>
/// property in camelCase and enums by their wire names (the id is a column of its own). It is
/// Storage's own format, apart from the HTTP API's rule body, so either can change without the
/// other; today they read alike. Rules are validated before they are stored, so reading one
/// back only maps it, and a field written by a newer release is ignored.
/// </summary>
internal static class StoredRuleJson
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>The JSON the database stores for a rule.</summary>
    public static string Serialize(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return JsonSerializer.Serialize(
            new Body(
                rule.Name, rule.Type, rule.Metric, rule.Match, rule.GroupBy, rule.Aggregation.ToWire(), rule.WindowMinutes, rule.MinDataPoints,
                rule.ThresholdType.ToWire(), rule.Threshold, rule.BaselineMultiplier, rule.BaselineDays, rule.Comparison.ToWire(), rule.ForSeconds,
                rule.RecoveryThreshold, rule.Severity.ToWire(), rule.CooldownMinutes, rule.RepeatIntervalMinutes, rule.Channels, rule.EscalationChannels,
                rule.Labels, rule.RunbookUrl, rule.Enabled, rule.Description,
                rule.NoData.ToWire(), rule.Sensitivity.ToWire(), rule.MinChange, rule.MetMinutes, rule.OfMinutes, rule.UnlessUsual, rule.TrimMinutes, rule.AnomalyMethod.ToWire()),
            Options);
    }

    /// <summary>Reads a stored rule back.</summary>
    /// <exception cref="InvalidDataException">The stored JSON does not describe a rule; the message names the rule and the field.</exception>
    public static AlertRule Deserialize(string id, string json)
    {
        ArgumentNullException.ThrowIfNull(id);
        Body body;
        try
        {
            body = JsonSerializer.Deserialize<Body>(json, Options) ?? throw new InvalidDataException($"The stored alert rule '{id}' is null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The stored alert rule '{id}' cannot be read: {ex.Message}", ex);
        }

        var defaults = new AlertRule { Id = id, Name = "", Metric = "" };
        T Parse<T>(string field, string? name, T fallback, TryParse<T> parse) =>
            name is null ? fallback
            : parse(name, out var value) ? value
            : throw new InvalidDataException($"The stored alert rule '{id}' cannot be read: {field}: '{name}' is not a known value.");

        return defaults with
        {
            Name = body.Name ?? "",
            Type = body.Type ?? defaults.Type,
            Metric = body.Metric ?? "",
            Match = body.Match ?? defaults.Match,
            GroupBy = body.GroupBy ?? defaults.GroupBy,
            Aggregation = Parse("aggregation", body.Aggregation, defaults.Aggregation, AggregationNames.TryParse),
            WindowMinutes = body.WindowMinutes ?? defaults.WindowMinutes,
            MinDataPoints = body.MinDataPoints ?? defaults.MinDataPoints,
            ThresholdType = Parse("thresholdType", body.ThresholdType, defaults.ThresholdType, AlertNames.TryParseThresholdType),
            Threshold = body.Threshold,
            BaselineMultiplier = body.BaselineMultiplier,
            BaselineDays = body.BaselineDays ?? defaults.BaselineDays,
            Comparison = Parse("comparison", body.Comparison, defaults.Comparison, AlertNames.TryParseComparison),
            ForSeconds = body.ForSeconds ?? defaults.ForSeconds,
            RecoveryThreshold = body.RecoveryThreshold,
            Severity = Parse("severity", body.Severity, defaults.Severity, AlertNames.TryParseSeverity),
            CooldownMinutes = body.CooldownMinutes ?? defaults.CooldownMinutes,
            RepeatIntervalMinutes = body.RepeatIntervalMinutes ?? defaults.RepeatIntervalMinutes,
            Channels = body.Channels ?? defaults.Channels,
            EscalationChannels = body.EscalationChannels ?? defaults.EscalationChannels,
            Labels = body.Labels ?? defaults.Labels,
            RunbookUrl = body.RunbookUrl,
            Enabled = body.Enabled ?? defaults.Enabled,
            Description = body.Description,
            NoData = Parse("noData", body.NoData, defaults.NoData, AlertNames.TryParseNoData),
            Sensitivity = Parse("sensitivity", body.Sensitivity, defaults.Sensitivity, AlertNames.TryParseSensitivity),
            MinChange = body.MinChange,
            MetMinutes = body.MetMinutes ?? defaults.MetMinutes,
            OfMinutes = body.OfMinutes ?? defaults.OfMinutes,
            UnlessUsual = body.UnlessUsual ?? defaults.UnlessUsual,
            TrimMinutes = body.TrimMinutes ?? defaults.TrimMinutes,
            AnomalyMethod = Parse("anomalyMethod", body.AnomalyMethod, defaults.AnomalyMethod, AlertNames.TryParseAnomalyMethod),
        };
    }

    private delegate bool TryParse<T>(string name, out T value);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    // Every field optional on reading: a rule stored by an older release lacks the newer ones.
    private sealed record Body(
        string? Name, string? Type, string? Metric, IReadOnlyDictionary<string, string>? Match, IReadOnlyList<string>? GroupBy, string? Aggregation,
        double? WindowMinutes, int? MinDataPoints, string? ThresholdType, double? Threshold, double? BaselineMultiplier, int? BaselineDays,
        string? Comparison, int? ForSeconds, double? RecoveryThreshold, string? Severity, int? CooldownMinutes, int? RepeatIntervalMinutes,
        IReadOnlyList<string>? Channels, IReadOnlyList<string>? EscalationChannels, IReadOnlyDictionary<string, string>? Labels, string? RunbookUrl, bool? Enabled,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description = null,
        string? NoData = null, string? Sensitivity = null, double? MinChange = null, int? MetMinutes = null, int? OfMinutes = null, bool? UnlessUsual = null, int? TrimMinutes = null, string? AnomalyMethod = null);
}
