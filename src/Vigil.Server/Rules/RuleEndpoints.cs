using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Server.Audit;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Rules;

/// <summary><c>/api/v1/alerts/rules</c>: list and read (viewer), create, change and delete (admin) alert rules.</summary>
internal static class RuleEndpoints
{
    public const string Route = "/api/v1/alerts/rules";

    // A PATCH re-reads the rule and merges again when another change won the race; past this, 409.
    private const int MaxPatchAttempts = 5;

    public static IEndpointRouteBuilder MapRuleEndpoints(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup(Route).WithTags("Alert rules").Audited(AuditResource.Rules);
        rules.MapGet("", ListAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Lists the alert rules, the defaults of config/base.json included.");
        rules.MapGet("/{id}", GetAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Reads an alert rule.");
        rules.MapPost("", CreateAsync)
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Creates an alert rule; omitted fields take their defaults.")
            .Accepts<RuleDocument>("application/json")
            .ProducesValidationProblem();
        rules.MapPatch("/{id}", PatchAsync)
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Changes the fields of an alert rule the body names (JSON merge patch: null resets a field to its default). Changing a default rule keeps it as changed across releases.")
            .Accepts<RuleDocument>("application/merge-patch+json", "application/json")
            .ProducesValidationProblem();
        rules.MapDelete("/{id}", DeleteAsync)
            .RequireAuthorization(Policies.Admin)
            .WithSummary("Deletes an alert rule; a deleted default rule is not created again at the next start.");
        return app;
    }

    private static async Task<Ok<RuleResponse[]>> ListAsync(Vigil.Storage.Alerts.RuleCache cache, CancellationToken cancellationToken)
    {
        var rules = await cache.ListAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(rules.Select(RuleResponse.From).ToArray());
    }

    internal static async Task<Results<Ok<RuleResponse>, ProblemHttpResult>> GetAsync(string id, Vigil.Storage.Alerts.RuleCache cache, CancellationToken cancellationToken) =>
        await cache.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } stored
            ? TypedResults.Ok(RuleResponse.From(stored))
            : NotFound(id);

    private static async Task<Results<Created<RuleResponse>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, RuleRepository repository, Vigil.Storage.Alerts.RuleCache cache, Vigil.Delivery.Channels.ChannelStore channels, TimeProvider time, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonAsync<RuleDocument>(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        var document = read.Value;

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");

        var known = await channels.AllAsync(cancellationToken).ConfigureAwait(false);
        var (rule, errors) = RuleJson.ToRule(id, document, known.ContainsKey);
        if (rule is null)
        {
            return Problems.Validation("The rule was not created.", errors);
        }

        var stored = await repository.InsertAsync(rule, now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"A generated rule id ({id}) already exists.");
        await cache.InvalidateAsync(CancellationToken.None).ConfigureAwait(false); // on every node: the engines evaluate the new rule at their next tick
        return TypedResults.Created($"{Route}/{id}", RuleResponse.From(stored));
    }

    private static async Task<Results<Ok<RuleResponse>, ProblemHttpResult>> PatchAsync(
        string id, HttpRequest request, RuleRepository repository, Vigil.Storage.Alerts.RuleCache cache, Vigil.Delivery.Channels.ChannelStore channels, Alerts.ExternalConditions external,
        TimeProvider time, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var options = json.Value.SerializerOptions;

        // Read once strictly (unknown fields, wrong types and bad JSON are problems naming the
        // field), then again as a tree: a merge patch needs to know which fields it names.
        request.EnableBuffering();
        var read = await Problems.ReadJsonAsync<RuleDocument>(request, options, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        request.Body.Position = 0;
        using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
        var patch = JsonObject.Create(body.RootElement);

        for (var attempt = 1; ; attempt++)
        {
            var current = await repository.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return NotFound(id);
            }

            var merged = MergePatch.Apply(JsonSerializer.SerializeToNode(RuleJson.ToDocument(current.Rule), options), patch);
            var document = merged.Deserialize<RuleDocument>(options)!;

            var known = await channels.AllAsync(cancellationToken).ConfigureAwait(false);
            var (rule, errors) = RuleJson.ToRule(id, document, known.ContainsKey);
            if (rule is null)
            {
                return Problems.Validation("The rule was not changed.", errors);
            }

            // A rule whose condition Vigil reports itself (a regression, an objective's burn, a monitor, an error issue) takes
            // changes to how it notifies only: its condition's fields are not read, and a change there would be silently ignored.
            if (external.Contains(id) && ConditionChanges(current.Rule, rule, options) is { Count: > 0 } fixedFields)
            {
                return Problems.Validation("The rule was not changed.", fixedFields.ToDictionary(
                    field => field,
                    field => new[] { $"'{field}' of this built-in rule is fixed: Vigil reports its condition itself. Set its name, description, type, severity, channels, escalationChannels, cooldownMinutes, repeatIntervalMinutes, labels, runbookUrl or enabled." },
                    StringComparer.Ordinal));
            }

            // A patch that changes nothing does not turn a default rule into an overridden one.
            if (JsonSerializer.Serialize(RuleJson.ToDocument(rule), RuleJson.Strict) == JsonSerializer.Serialize(RuleJson.ToDocument(current.Rule), RuleJson.Strict))
            {
                return TypedResults.Ok(RuleResponse.From(current));
            }

            var updated = await repository.UpdateAsync(rule, time.GetUtcNow().ToUnixTimeMilliseconds(), current.Version, cancellationToken).ConfigureAwait(false);
            if (updated is not null)
            {
                await cache.InvalidateAsync(CancellationToken.None).ConfigureAwait(false);
                return TypedResults.Ok(RuleResponse.From(updated));
            }

            if (attempt == MaxPatchAttempts)
            {
                return Problems.Status(StatusCodes.Status409Conflict, "The rule keeps changing", "Other changes to the rule won each attempt; send the request again.");
            }
        }
    }

    /// <summary>The fields of a rule that say how it notifies, not what its condition is: all a built-in rule with an external condition takes.</summary>
    private static readonly HashSet<string> NotifyingFields = new(StringComparer.Ordinal)
    {
        "name", "description", "type", "severity", "channels", "escalationChannels", "cooldownMinutes", "repeatIntervalMinutes", "labels", "runbookUrl", "enabled",
    };

    /// <summary>The JSON names of the fields of the condition that differ between <paramref name="before"/> and <paramref name="after"/>.</summary>
    private static List<string> ConditionChanges(Vigil.Core.Alerts.AlertRule before, Vigil.Core.Alerts.AlertRule after, JsonSerializerOptions options)
    {
        var was = JsonSerializer.SerializeToNode(RuleJson.ToDocument(before), options)!.AsObject();
        var now = JsonSerializer.SerializeToNode(RuleJson.ToDocument(after), options)!.AsObject();
        return [.. was.Select(p => p.Key).Union(now.Select(p => p.Key), StringComparer.Ordinal)
            .Where(name => !NotifyingFields.Contains(name) && !JsonNode.DeepEquals(was[name], now[name]))
            .Order(StringComparer.Ordinal)];
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, RuleRepository repository, Vigil.Storage.Alerts.RuleCache cache, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await repository.DeleteAsync(id, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false))
        {
            return NotFound(id);
        }

        await cache.InvalidateAsync(CancellationToken.None).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No alert rule has id '{id}'.");
}
