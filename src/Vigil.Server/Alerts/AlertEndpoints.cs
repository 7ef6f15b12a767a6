using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Alerts;
using Vigil.Server.Audit;
using Vigil.Server.Http;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Alerts;

/// <summary><c>/api/v1/alerts</c> and the in-app feed <c>/api/v1/notifications</c>.</summary>
internal static class AlertEndpoints
{
    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/v1/alerts").WithTags("Alerts").Audited(AuditResource.Alerts);
        alerts.MapGet("", ListAsync).RequireAuthorization(Auth.Policies.Viewer)
            .WithSummary("Alerts, newest first. Query: status, severity, ruleId, from, to (ISO-8601 or Unix seconds), limit (1-1000, default 100).");
        alerts.MapGet("/stats", StatsAsync).RequireAuthorization(Auth.Policies.Viewer)
            .WithSummary("Totals over a window (default 24h): by type and severity, active now, mean time to acknowledge and to resolve (seconds).");
        alerts.MapGet("/{id}", GetAsync).RequireAuthorization(Auth.Policies.Viewer).WithSummary("One alert with its transition history.");
        alerts.MapPost("/{id}/acknowledge", AcknowledgeAsync).RequireAuthorization(Auth.Policies.Admin).WithSummary("Acknowledges an open alert: no more repeats or escalation.");
        alerts.MapPost("/{id}/silence", SilenceAsync).RequireAuthorization(Auth.Policies.Admin).WithSummary("Silences an open alert for durationMinutes.");
        alerts.MapPost("/{id}/resolve", ResolveAsync).RequireAuthorization(Auth.Policies.Admin).WithSummary("Resolves an open alert by hand.");

        var feed = app.MapGroup("/api/v1/notifications").WithTags("Alerts");
        feed.MapGet("", FeedAsync).RequireAuthorization(Auth.Policies.Viewer).WithSummary("The in-app notification feed, newest first. Query: unread=true, limit.");
        feed.MapPost("/{id:long}/read", ReadAsync).RequireAuthorization(Auth.Policies.Viewer).WithSummary("Marks a feed entry read.");
        return app;
    }

    private static async Task<Results<Ok<AlertResponse[]>, ProblemHttpResult>> ListAsync(HttpRequest request, AlertRepository alerts, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AlertStatus? status = null;
        if (query["status"].Count > 0)
        {
            if (AlertNames.TryParseStatus(query["status"], out var parsed))
            {
                status = parsed;
            }
            else
            {
                errors["status"] = ["must be one of pending, firing, acknowledged, silenced, resolved"];
            }
        }

        Severity? severity = null;
        if (query["severity"].Count > 0)
        {
            if (AlertNames.TryParseSeverity(query["severity"], out var parsed))
            {
                severity = parsed;
            }
            else
            {
                errors["severity"] = ["must be one of info, warning, error, critical"];
            }
        }

        var (fromMs, toMs) = QueryParsing.ReadTimeRange(query, errors);

        var limit = 100;
        if (query["limit"].Count > 0 && (!int.TryParse(query["limit"], out limit) || limit is < 1 or > 1000))
        {
            errors["limit"] = ["must be a whole number from 1 to 1000"];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation("The query is invalid.", errors);
        }

        var ruleId = query["ruleId"].Count > 0 ? query["ruleId"].ToString() : null;
        var list = await alerts.ListAsync(new AlertFilter(status, severity, ruleId, fromMs, toMs, limit), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(list.Select(a => ToResponse(a, null)).ToArray());
    }

    private static async Task<Results<Ok<AlertStatsResponse>, ProblemHttpResult>> StatsAsync(
        HttpRequest request, AlertRepository alerts, IRuleSource rules, TimeProvider time, CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromHours(24);
        if (request.Query["window"].Count > 0 && (!QueryParsing.TryParseDuration(request.Query["window"], out window) || window > TimeSpan.FromDays(366)))
        {
            return Problems.Field("window", "must be a duration such as 1h, 24h or 7d (at most a year)");
        }

        var now = time.GetUtcNow();
        var inWindow = await alerts.ListAsync(new AlertFilter(FromMs: (now - window).ToUnixTimeMilliseconds(), Limit: int.MaxValue), cancellationToken).ConfigureAwait(false);
        var open = await alerts.OpenAsync(cancellationToken).ConfigureAwait(false);
        var types = (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id, r => r.Type, StringComparer.Ordinal);
        var acknowledged = inWindow.Where(a => a.AcknowledgedAt is not null && a.FiringSince is not null).ToList();
        var resolved = inWindow.Where(a => a.ResolvedAt is not null).ToList();
        return TypedResults.Ok(new AlertStatsResponse(
            FormatWindow(window),
            inWindow.Count,
            open.Count(a => a.Status != AlertStatus.Pending),
            inWindow.GroupBy(a => types.GetValueOrDefault(a.RuleId, "system")).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            inWindow.GroupBy(a => a.Severity.ToWire()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            inWindow.GroupBy(a => a.Status.ToWire()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            acknowledged.Count == 0 ? null : Math.Round(acknowledged.Average(a => (a.AcknowledgedAt!.Value - a.FiringSince!.Value).TotalSeconds), 1),
            resolved.Count == 0 ? null : Math.Round(resolved.Average(a => (a.ResolvedAt!.Value - a.StartedAt).TotalSeconds), 1)));
    }

    private static string FormatWindow(TimeSpan window) =>
        window.TotalDays >= 1 && window.TotalDays % 1 == 0 ? $"{window.TotalDays}d"
        : window.TotalHours >= 1 && window.TotalHours % 1 == 0 ? $"{window.TotalHours}h"
        : $"{window.TotalMinutes}m";

    private static async Task<Results<Ok<AlertResponse>, ProblemHttpResult>> GetAsync(string id, AlertRepository alerts, CancellationToken cancellationToken)
    {
        var alert = await alerts.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (alert is null)
        {
            return NotFound(id);
        }

        var history = await alerts.TransitionsAsync(id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(alert, history));
    }

    private static async Task<Results<Ok<AlertResponse>, ProblemHttpResult>> AcknowledgeAsync(
        string id, HttpRequest request, ClaimsPrincipal user, AlertEngine engine, AlertRepository alerts, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadOptionalAsync<AlertActionRequest>(request, json, cancellationToken).ConfigureAwait(false);
        if ((problem ?? NoteProblem(body?.Note)) is { } refused)
        {
            return refused;
        }

        var result = await engine.ApplyAsync(id, (rule, alert, now, silenced) => AlertLifecycle.Acknowledge(rule, alert, now, Who(user), body?.Note, silenced), cancellationToken).ConfigureAwait(false);
        return await AnswerAsync(id, result, alerts, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Results<Ok<AlertResponse>, ProblemHttpResult>> SilenceAsync(
        string id, HttpRequest request, ClaimsPrincipal user, AlertEngine engine, AlertRepository alerts, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonAsync<SilenceAlertRequest>(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        var body = read.Value;

        if (body.DurationMinutes is not { } minutes || !double.IsFinite(minutes) || minutes < 1 || minutes > 10_080)
        {
            return Problems.Field("durationMinutes", "is required: minutes from 1 to 10080");
        }

        if (NoteProblem(body.Note) is { } longNote)
        {
            return longNote;
        }

        var result = await engine.ApplyAsync(id, (_, alert, now, _) => AlertLifecycle.Silence(alert, now, now.AddMinutes(minutes), Who(user), body.Note), cancellationToken).ConfigureAwait(false);
        return await AnswerAsync(id, result, alerts, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Results<Ok<AlertResponse>, ProblemHttpResult>> ResolveAsync(
        string id, HttpRequest request, ClaimsPrincipal user, AlertEngine engine, AlertRepository alerts, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var (body, problem) = await ReadOptionalAsync<AlertActionRequest>(request, json, cancellationToken).ConfigureAwait(false);
        if ((problem ?? NoteProblem(body?.Note)) is { } refused)
        {
            return refused;
        }

        var result = await engine.ApplyAsync(id, (rule, alert, now, silenced) => AlertLifecycle.Resolve(rule, alert, now, Who(user), body?.Note, silenced), cancellationToken).ConfigureAwait(false);
        return await AnswerAsync(id, result, alerts, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Results<Ok<NotificationResponse[]>, ProblemHttpResult>> FeedAsync(HttpRequest request, AlertRepository alerts, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var limit = 100;
        if (query["limit"].Count > 0 && (!int.TryParse(query["limit"], out limit) || limit is < 1 or > 1000))
        {
            return Problems.Field("limit", "must be a whole number from 1 to 1000");
        }

        var unread = query["unread"].Count > 0 && query["unread"] == "true";
        var entries = await alerts.IntentsAsync(limit, unread, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(entries.Select(e => new NotificationResponse(
            e.Id, e.Intent.AlertId, e.Intent.Kind.ToString().ToLowerInvariant(), e.Intent.Severity.ToWire(), e.Intent.Channels, e.Intent.At, e.Intent.IdempotencyKey, e.ReadAtMs is not null)).ToArray());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ReadAsync(long id, AlertRepository alerts, TimeProvider time, CancellationToken cancellationToken) =>
        await alerts.MarkReadAsync(id, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No notification has id {id}.");

    private static async Task<Results<Ok<AlertResponse>, ProblemHttpResult>> AnswerAsync(string id, LifecycleResult? result, AlertRepository alerts, CancellationToken cancellationToken)
    {
        if (result is null)
        {
            return await alerts.GetAsync(id, cancellationToken).ConfigureAwait(false) is null
                ? NotFound(id)
                : Problems.Status(StatusCodes.Status409Conflict, "The alert is resolved", $"Alert '{id}' is resolved; only open alerts can change.");
        }

        var history = await alerts.TransitionsAsync(id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(ToResponse(result.Alert!, history));
    }

    private static async Task<(T? Value, ProblemHttpResult? Problem)> ReadOptionalAsync<T>(HttpRequest request, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding")))
        {
            return (null, null);
        }

        var read = await Problems.ReadJsonAsync<T>(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        return (read.Value, read.Problem);
    }

    /// <summary>A note is kept in the alert's history and logged: bounded like every text an admin writes.</summary>
    private static ProblemHttpResult? NoteProblem(string? note) =>
        note is { Length: > AlertActionRequest.MaxNoteLength } ? Problems.Field("note", $"is longer than {AlertActionRequest.MaxNoteLength} characters")
        : ValidText.HoldsNul(note) ? Problems.Field("note", ValidText.NulMessage)
        : null;

    private static string Who(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";

    private static ProblemHttpResult NotFound(string id) =>
        Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No alert has id '{id}'.");

    internal static AlertResponse ToResponse(AlertInstance a, IReadOnlyList<AlertTransition>? history) => new(
        a.Id, a.RuleId, a.Fingerprint, a.Group.Pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), a.Status.ToWire(), a.Severity.ToWire(),
        a.StartedAt, a.FiringSince, a.AcknowledgedAt, a.AcknowledgedBy, a.SilencedUntil, a.ResolvedAt, a.LastNotifiedAt, a.Notifications, a.Escalated,
        a.Value, a.Threshold,
        history?.Select(t => new TransitionResponse(t.From?.ToWire(), t.To.ToWire(), t.At, t.By, t.Note)).ToArray())
    {
        Reason = a.Reason,
    };
}
