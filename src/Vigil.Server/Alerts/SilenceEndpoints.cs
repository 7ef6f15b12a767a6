using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Alerts;
using Vigil.Server.Audit;
using Vigil.Server.Http;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Alerts;

/// <summary><c>/api/v1/silences</c>: silences by matcher (rule, labels, severity), like Alertmanager's.</summary>
internal static class SilenceEndpoints
{
    /// <summary>The longest rule id a silence accepts (ids Vigil makes are far shorter).</summary>
    public const int MaxRuleIdLength = 200;

    private static readonly TimeSpan MaxAhead = TimeSpan.FromDays(366);

    public static IEndpointRouteBuilder MapSilenceEndpoints(this IEndpointRouteBuilder app)
    {
        var silences = app.MapGroup("/api/v1/silences").WithTags("Alerts").Audited(AuditResource.Silences);
        silences.MapGet("", ListAsync).RequireAuthorization(Auth.Policies.Viewer).WithSummary("Silences that have not ended (all=true: every one).");
        silences.MapPost("", CreateAsync).RequireAuthorization(Auth.Policies.Admin).WithSummary("Creates a silence: matched alerts change state but send nothing.");
        silences.MapDelete("/{id}", ExpireAsync).RequireAuthorization(Auth.Policies.Admin).WithSummary("Ends a silence now.");
        return app;
    }

    private static async Task<Ok<SilenceResponse[]>> ListAsync(HttpRequest request, SilenceRepository silences, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var all = request.Query["all"] == "true";
        var list = await silences.ListAsync(all ? null : now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(list.Select(s => ToResponse(s, now)).ToArray());
    }

    private static async Task<Results<Created<SilenceResponse>, ProblemHttpResult>> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, SilenceRepository silences, RuleRepository rules, TimeProvider time, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonAsync<CreateSilenceRequest>(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        var body = read.Value;

        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Severity? severity = null;
        if (body.Severity is not null)
        {
            if (AlertNames.TryParseSeverity(body.Severity, out var parsed))
            {
                severity = parsed;
            }
            else
            {
                errors["severity"] = ["must be one of info, warning, error, critical"];
            }
        }

        if (body.Labels?.FirstOrDefault(l => l.Value is null || string.IsNullOrEmpty(l.Key)) is { Key: not null } bad)
        {
            errors[$"labels.{bad.Key}"] = ["label matchers need a name and a string value"];
        }

        if (string.IsNullOrEmpty(body.RuleId) && (body.Labels is null || body.Labels.Count == 0) && severity is null && !errors.ContainsKey("severity"))
        {
            errors["$"] = ["a silence needs at least one matcher: ruleId, labels or severity"];
        }

        if (!string.IsNullOrEmpty(body.RuleId))
        {
            if (body.RuleId.Length > MaxRuleIdLength)
            {
                errors["ruleId"] = [$"is longer than {MaxRuleIdLength} characters"];
            }
            else if (await rules.GetAsync(body.RuleId, cancellationToken).ConfigureAwait(false) is null)
            {
                errors["ruleId"] = [$"rule '{body.RuleId}' does not exist"];
            }
        }

        // Bounded so that startsAt plus a duration cannot pass the largest time there is.
        var startsAt = body.StartsAt ?? now;
        if (startsAt > now + MaxAhead)
        {
            errors["startsAt"] = ["must be at most a year (366 days) from now"];
            startsAt = now;
        }

        DateTimeOffset? endsAt = body.EndsAt;

        if (endsAt is null && body.DurationMinutes is { } minutes)
        {
            // At least a minute: 4.9e-324 is more than 0 but ends the silence as it starts.
            if (!double.IsFinite(minutes) || minutes < 1 || minutes > MaxAhead.TotalMinutes)
            {
                errors["durationMinutes"] = ["must be at least 1 minute and at most a year"];
            }
            else
            {
                endsAt = startsAt.AddMinutes(minutes);
            }
        }

        if (endsAt is null && !errors.ContainsKey("durationMinutes"))
        {
            errors["endsAt"] = ["give endsAt or durationMinutes"];
        }
        else if (endsAt is { } end && end <= startsAt)
        {
            errors["endsAt"] = ["must be after startsAt"];
        }
        else if (endsAt is { } past && past <= now)
        {
            errors["endsAt"] = ["is in the past"];
        }

        if (body.Comment is { Length: > 1000 })
        {
            errors["comment"] = ["is longer than 1000 characters"];
        }
        else if (ValidText.HoldsNul(body.Comment))
        {
            errors["comment"] = [ValidText.NulMessage];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation("The silence was not created.", errors);
        }

        var silence = new Silence
        {
            Id = Guid.CreateVersion7(now).ToString("N"),
            RuleId = string.IsNullOrEmpty(body.RuleId) ? null : body.RuleId,
            Labels = body.Labels?.ToDictionary(l => l.Key, l => l.Value!, StringComparer.Ordinal) ?? [],
            Severity = severity,
            StartsAt = startsAt,
            EndsAt = endsAt!.Value,
            Author = user.Identity?.Name ?? "unknown",
            Comment = body.Comment,
        };
        await silences.InsertAsync(silence, now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/silences/{silence.Id}", ToResponse(silence, now));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ExpireAsync(string id, SilenceRepository silences, TimeProvider time, CancellationToken cancellationToken) =>
        await silences.ExpireAsync(id, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No silence in force or to come has id '{id}'.");

    internal static SilenceResponse ToResponse(Silence s, DateTimeOffset now) =>
        new(s.Id, s.RuleId, s.Labels, s.Severity?.ToWire(), s.StartsAt, s.EndsAt, s.Author, s.Comment, s.IsActive(now));
}
