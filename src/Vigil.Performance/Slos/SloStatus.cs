using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Performance.Slos;

/// <summary>Good and total events over a period.</summary>
/// <param name="Good">Good events.</param>
/// <param name="Total">All events.</param>
public readonly record struct EventCount(double Good, double Total)
{
    /// <summary>Bad events.</summary>
    public double Bad => Total - Good;

    /// <summary>The sum of two counts.</summary>
    public static EventCount operator +(EventCount a, EventCount b) => new(a.Good + b.Good, a.Total + b.Total);

    /// <summary>The burn rate against <paramref name="budgetFraction"/>: the bad share over the share the objective allows (1 spends the budget exactly over the window); null without events.</summary>
    public double? BurnRate(double budgetFraction) => Total > 0 ? Bad / Total / budgetFraction : null;
}

/// <summary>The burn rates of an objective over the windows its alerts read.</summary>
/// <param name="FiveMinutes">Over the last 5 minutes.</param>
/// <param name="ThirtyMinutes">Over the last 30 minutes.</param>
/// <param name="OneHour">Over the last hour.</param>
/// <param name="SixHours">Over the last 6 hours.</param>
/// <param name="ThreeDays">Over the last 3 days.</param>
public sealed record BurnRates(
    [property: JsonPropertyName("5m")] double? FiveMinutes,
    [property: JsonPropertyName("30m")] double? ThirtyMinutes,
    [property: JsonPropertyName("1h")] double? OneHour,
    [property: JsonPropertyName("6h")] double? SixHours,
    [property: JsonPropertyName("3d")] double? ThreeDays)
{
    /// <summary>
    /// The Google SRE workbook's multi-window, multi-burn-rate page: 14.4× over both the last hour
    /// and 5 minutes (2 % of a 30-day budget in an hour), or 6× over both 6 hours and 30 minutes
    /// (5 % in 6 hours). The short window makes the alert stop soon after the burning does.
    /// </summary>
    [JsonIgnore]
    public bool Page => (OneHour >= 14.4 && FiveMinutes >= 14.4) || (SixHours >= 6 && ThirtyMinutes >= 6);

    /// <summary>The workbook's ticket: 1× over both 3 days and 6 hours (10 % of the budget in 3 days).</summary>
    [JsonIgnore]
    public bool Ticket => ThreeDays >= 1 && SixHours >= 1;
}

/// <summary>Where an objective stands.</summary>
/// <param name="SliPercent">Good events in percent of all over the window, or null without events.</param>
/// <param name="Good">Good events over the window.</param>
/// <param name="Total">All events over the window.</param>
/// <param name="BudgetRemainingPercent">The error budget left over the window, percent (negative when overspent); null without events.</param>
/// <param name="BurnRates">The burn rates the alerts read.</param>
/// <param name="Alerting"><c>page</c>, <c>ticket</c>, or null.</param>
/// <param name="ComputedAt">When it was computed.</param>
public sealed record SloStatus(double? SliPercent, double Good, double Total, double? BudgetRemainingPercent, BurnRates BurnRates, string? Alerting, DateTimeOffset ComputedAt)
{
    /// <summary>The status of counts over the window and each burn-rate window, for <paramref name="definition"/>.</summary>
    public static SloStatus Of(SloDefinition definition, EventCount window, EventCount fiveMinutes, EventCount thirtyMinutes, EventCount oneHour, EventCount sixHours, EventCount threeDays, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var budget = definition.BudgetFraction;
        var rates = new BurnRates(
            Round(fiveMinutes.BurnRate(budget)), Round(thirtyMinutes.BurnRate(budget)), Round(oneHour.BurnRate(budget)),
            Round(sixHours.BurnRate(budget)), Round(threeDays.BurnRate(budget)));
        double? sli = window.Total > 0 ? Math.Round(100 * window.Good / window.Total, 4) : null;
        double? remaining = window.Total > 0 ? Math.Round(100 * (1 - (window.Bad / (budget * window.Total))), 2) : null;
        return new SloStatus(sli, window.Good, window.Total, remaining, rates, rates.Page ? "page" : rates.Ticket ? "ticket" : null, at);
    }

    /// <summary>The stored form.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    /// <summary>Reads a stored status; null for null.</summary>
    public static SloStatus? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<SloStatus>(json, JsonSerializerOptions.Web);

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 3) : null;
}
