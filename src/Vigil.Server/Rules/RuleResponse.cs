using System.Text.Json.Serialization;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Rules;

/// <summary>A rule as the API returns it: its document, every field set, with its id and history.</summary>
public sealed class RuleResponse : RuleDocument
{
    /// <summary>Identifier: a slug for a default rule, a generated id otherwise.</summary>
    [JsonPropertyOrder(-1)]
    public required string Id { get; init; }

    /// <summary>Whether the rule is one of the defaults of <c>config/base.json</c>.</summary>
    [JsonPropertyOrder(1)]
    public bool IsDefault { get; init; }

    /// <summary>When the rule was created.</summary>
    [JsonPropertyOrder(1)]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the rule last changed.</summary>
    [JsonPropertyOrder(1)]
    public DateTimeOffset UpdatedAt { get; init; }

    internal static RuleResponse From(StoredRule stored)
    {
        var response = new RuleResponse
        {
            Id = stored.Rule.Id,
            IsDefault = stored.IsDefault,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(stored.CreatedAtMs),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(stored.UpdatedAtMs),
        };
        RuleJson.Fill(response, stored.Rule);
        return response;
    }
}
