using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Errors;
using Vigil.Errors.Issues;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Storage.Errors;

namespace Vigil.Server.Errors;

/// <summary>
/// <c>/api/v1/issues</c>: error events grouped into issues (docs/ERRORS.md) — listed with filters
/// and paged, one with its recent events, and its state changed (resolved, ignored, unresolved).
/// </summary>
internal static class IssueEndpoints
{
    private const int DefaultLimit = 50;
    private const int MaxLimit = 500;
    private const int MaxOffset = 1_000_000;
    private const int RecentEvents = 20;
    private const int MaxFilterLength = 200;

    public static IEndpointRouteBuilder MapIssueEndpoints(this IEndpointRouteBuilder app)
    {
        var issues = app.MapGroup("/api/v1/issues").WithTags("Errors");
        issues.MapGet("", ListAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("Issues: state (unresolved, resolved, ignored), service, release (first or last seen in it), query (in the title or culprit), sort (lastSeen, count, firstSeen; default lastSeen), limit (1 to 500, default 50), offset; the answer's next is the offset of the next page.");
        issues.MapGet("/{id}", GetAsync).RequireAuthorization(Policies.Viewer)
            .WithSummary("One issue with its latest event and its 20 most recent kept events.");
        issues.MapPatch("/{id}", PatchAsync).RequireAuthorization(Policies.Admin)
            .WithSummary("Changes an issue's state: {\"state\": \"resolved\" | \"ignored\" | \"unresolved\"}. Resolved or ignored, its alerts resolve; a resolved issue seen again in another release (or any, without releases) regresses.")
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Results<Ok<IssueList>, ProblemHttpResult>> ListAsync(HttpRequest request, ErrorRepository repository, IOptions<ErrorOptions> options, CancellationToken cancellationToken)
    {
        var query = request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var state = query["state"].ToString() is { Length: > 0 } s ? s : null;
        if (state is not null && !IssueStates.All.Contains(state))
        {
            errors["state"] = [$"'state' must be one of {string.Join(", ", IssueStates.All)}."];
        }

        var sort = IssueSort.LastSeen;
        switch (query["sort"].ToString())
        {
            case "" or "lastSeen":
                break;
            case "count":
                sort = IssueSort.Count;
                break;
            case "firstSeen":
                sort = IssueSort.FirstSeen;
                break;
            default:
                errors["sort"] = ["'sort' must be lastSeen, count or firstSeen."];
                break;
        }

        var limit = Whole(query["limit"].ToString(), "limit", 1, MaxLimit, DefaultLimit, errors);
        var offset = Whole(query["offset"].ToString(), "offset", 0, MaxOffset, 0, errors);
        var service = Filter(query["service"].ToString(), "service", errors);
        var release = Filter(query["release"].ToString(), "release", errors);
        var text = Filter(query["query"].ToString(), "query", errors);
        if (errors.Count > 0)
        {
            return Problems.Validation("The issue filters are invalid.", errors);
        }

        // One more than asked tells whether there is a next page.
        var rows = await repository.ListAsync(new IssueQuery(state, service, release, text, sort, limit + 1, offset), cancellationToken).ConfigureAwait(false);
        var page = rows.Take(limit).Select(i => IssueResponse.From(i, options.Value, null)).ToArray();
        return TypedResults.Ok(new IssueList(page, rows.Count > limit ? offset + limit : null));
    }

    private static async Task<Results<Ok<IssueResponse>, ProblemHttpResult>> GetAsync(string id, ErrorRepository repository, IOptions<ErrorOptions> options, CancellationToken cancellationToken)
    {
        if (await repository.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } issue)
        {
            return NotFound(id);
        }

        var events = await repository.EventsAsync(issue.Id, RecentEvents, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(IssueResponse.From(issue, options.Value, events));
    }

    private static async Task<Results<Ok<IssueResponse>, ProblemHttpResult>> PatchAsync(string id, HttpRequest request, ErrorIntake intake, IOptions<ErrorOptions> options, CancellationToken cancellationToken)
    {
        var read = await Problems.ReadJsonDocumentAsync(request, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        using var patch = read.Value;
        var root = patch.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Problems.Field("$", "The body must be a JSON object.");
        }

        foreach (var member in root.EnumerateObject())
        {
            if (member.Name != "state")
            {
                return Problems.Field(member.Name, $"'{member.Name}' is not a field of an issue that can be changed; send 'state'.");
            }
        }

        if (!root.TryGetProperty("state", out var stateElement) || stateElement.ValueKind != JsonValueKind.String || !IssueStates.All.Contains(stateElement.GetString()))
        {
            return Problems.Field("state", $"'state' must be one of {string.Join(", ", IssueStates.All)}.");
        }

        return await intake.SetStateAsync(id, stateElement.GetString()!, cancellationToken).ConfigureAwait(false) is { } issue
            ? TypedResults.Ok(IssueResponse.From(issue, options.Value, null))
            : NotFound(id);
    }

    private static ProblemHttpResult NotFound(string id) => Problems.Status(StatusCodes.Status404NotFound, "Not found", $"There is no issue '{id}'.");

    private static int Whole(string text, string name, int min, int max, int fallback, Dictionary<string, string[]> errors)
    {
        if (text.Length == 0)
        {
            return fallback;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors[name] = [string.Create(CultureInfo.InvariantCulture, $"'{name}' must be a whole number from {min} to {max}.")];
        return fallback;
    }

    private static string? Filter(string text, string name, Dictionary<string, string[]> errors)
    {
        if (text.Length > MaxFilterLength)
        {
            errors[name] = [string.Create(CultureInfo.InvariantCulture, $"'{name}' must be at most {MaxFilterLength} characters.")];
            return null;
        }

        return text.Length > 0 ? text : null;
    }
}

/// <summary>A page of issues.</summary>
/// <param name="Issues">The issues.</param>
/// <param name="Next">The offset of the next page, or null on the last.</param>
internal sealed record IssueList(IssueResponse[] Issues, int? Next);

/// <summary>An issue as the API shows it.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Fingerprint">The fingerprint that groups its events.</param>
/// <param name="Title">The exception's type and message, or the message.</param>
/// <param name="Culprit">Where it happened.</param>
/// <param name="ExceptionType">The exception's type.</param>
/// <param name="Level">The level of its latest event.</param>
/// <param name="Service">Its service.</param>
/// <param name="State">unresolved, resolved or ignored.</param>
/// <param name="ResolvedAt">When it was resolved.</param>
/// <param name="Count">Its events.</param>
/// <param name="UsersAffected">Distinct users (hashed), counted up to Vigil:Errors:UsersPerIssue.</param>
/// <param name="UsersCapped">Whether that count reached the cap (then it is a floor).</param>
/// <param name="FirstSeen">Its first event.</param>
/// <param name="LastSeen">Its latest event.</param>
/// <param name="FirstRelease">The release it was first seen in.</param>
/// <param name="LastRelease">The release it was last seen in.</param>
/// <param name="LatestEvent">Its latest event, whole.</param>
/// <param name="Events">Its most recent kept events, newest first (only on <c>GET /api/v1/issues/{id}</c>).</param>
internal sealed record IssueResponse(
    string Id, string Fingerprint, string Title, string? Culprit, string? ExceptionType, string Level, string? Service, string State, DateTimeOffset? ResolvedAt,
    long Count, long UsersAffected, bool UsersCapped, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, string? FirstRelease, string? LastRelease,
    JsonElement LatestEvent, JsonElement[]? Events)
{
    public static IssueResponse From(StoredIssue issue, ErrorOptions options, IReadOnlyList<string>? events) => new(
        issue.Id, issue.Fingerprint, issue.Title, issue.Culprit, issue.ExceptionType, issue.Level, issue.Service, issue.State,
        issue.ResolvedAtMs is { } resolved ? DateTimeOffset.FromUnixTimeMilliseconds(resolved) : null,
        issue.EventCount, issue.UsersAffected, issue.UsersAffected >= options.UsersPerIssue,
        DateTimeOffset.FromUnixTimeMilliseconds(issue.FirstSeenMs), DateTimeOffset.FromUnixTimeMilliseconds(issue.LastSeenMs), issue.FirstRelease, issue.LastRelease,
        Parse(issue.LatestEvent), events?.Select(Parse).ToArray());

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
