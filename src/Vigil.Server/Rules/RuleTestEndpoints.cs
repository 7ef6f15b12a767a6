using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Server.Alerts;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Server.Queries;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Rules;

/// <summary>
/// <c>POST /api/v1/alerts/rules/{id}/test</c> and <c>POST /api/v1/alerts/rules/test</c> (an
/// unsaved rule body): evaluates the rule now over the in-memory aggregates and replays it
/// over the stored history, without storing or sending anything, so a threshold can be tuned
/// before the rule is enabled.
/// </summary>
internal static class RuleTestEndpoints
{
    private static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);
    private const int MaxSteps = 50_000;

    /// <summary>How far past now a range's <c>to</c> may be (taken as now): a client's clock a little ahead.</summary>
    private static readonly TimeSpan MaxAhead = TimeSpan.FromMinutes(1);

    private static readonly Dictionary<string, string> Advice = new(StringComparer.Ordinal)
    {
        ["from"] = "use a shorter range (from, to); the replay judges every minute of it, whatever the step",
        ["match"] = "match fewer series with the rule's match",
    };

    public static IEndpointRouteBuilder MapRuleTestEndpoints(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup(RuleEndpoints.Route).WithTags("Alert rules");
        rules.MapPost("/test", TestUnsavedAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Tests a rule body without saving it: evaluates it now and replays it over the stored history (query: from, to, step; default the last 24 h by minute).")
            .Accepts<RuleDocument>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithQueryLimits();
        rules.MapPost("/{id}/test", TestSavedAsync)
            .RequireAuthorization(Policies.Viewer)
            .WithSummary("Tests a stored rule: evaluates it now without notifying anyone and replays it over the stored history (query: from, to, step).")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithQueryLimits();
        return app;
    }

    private static async Task<Results<Ok<RuleTestResponse>, ProblemHttpResult>> TestSavedAsync(
        string id, HttpRequest request, RuleRepository repository, MetricStore store, RuleHistory history, QueryBudget budget, TimeProvider time, CancellationToken cancellationToken)
    {
        var (range, rangeProblem) = ParseRange(request, time);
        if (rangeProblem is not null)
        {
            return rangeProblem;
        }

        if (await repository.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return Problems.Status(StatusCodes.Status404NotFound, "Not found", $"No alert rule has id '{id}'.");
        }

        return await RunAsync(stored.Rule, id, range!, store, history, budget, time, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Results<Ok<RuleTestResponse>, ProblemHttpResult>> TestUnsavedAsync(
        HttpRequest request, MetricStore store, RuleHistory history, QueryBudget budget, TimeProvider time, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var (range, rangeProblem) = ParseRange(request, time);
        if (rangeProblem is not null)
        {
            return rangeProblem;
        }

        var read = await Problems.ReadJsonAsync<RuleDocument>(request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        if (!read.IsValid)
        {
            return read.Problem;
        }

        var document = read.Value;

        // An unsaved rule gets a throwaway id: its baseline is not cached under a real rule's.
        var (rule, errors) = RuleJson.ToRule("unsaved-" + Guid.NewGuid().ToString("N"), document, channelExists: null);
        if (rule is null)
        {
            return Problems.Validation("The rule is invalid.", errors);
        }

        return await RunAsync(rule, null, range!, store, history, budget, time, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Results<Ok<RuleTestResponse>, ProblemHttpResult>> RunAsync(
        AlertRule rule, string? ruleId, TestRange range, MetricStore store, RuleHistory history, QueryBudget budget, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();

        // The work is bounded before it is done: the series judged now, then the rows the
        // replay reads (its range, and before it the rule's warm-up: baselineDays for baseline
        // thresholds, so each step judges only against what came before it), then the replay's
        // minutes, each merging the rule's window of minutes.
        var matched = store.Family(rule.Metric) is { } family ? family.Series.Count(s => RuleEvaluator.Matches(s.Labels, rule.Match)) : 0;
        var cost = new QueryCost(matched, 1, 0);
        if (budget.Check(cost, Advice) is { } tooManySeries)
        {
            return tooManySeries;
        }

        var timeline = new Dictionary<LabelSet, List<BacktestStep>>();
        void Collect(BacktestStep step)
        {
            if (!timeline.TryGetValue(step.Group, out var list))
            {
                timeline[step.Group] = list = [];
            }

            list.Add(step);
        }

        var fromMs = range.From.ToUnixTimeMilliseconds();
        var toMs = range.To.ToUnixTimeMilliseconds();
        var memory = new RuleMemory(rule);
        var replay = new RuleReplay(rule, memory, fromMs - (long)RuleMemory.WarmUp(rule).TotalMilliseconds, fromMs, range.Step, Collect);
        var rows = await history.CountAsync(rule, replay.DoneMs - replay.WindowMs, toMs, budget.RowsToCount(cost), cancellationToken).ConfigureAwait(false);
        cost = cost with { StoredRows = rows, Steps = (toMs - replay.DoneMs) / 60_000 * (replay.WindowMs / 60_000) };
        if (budget.Check(cost, Advice) is { } tooMuchHistory)
        {
            return tooMuchHistory;
        }

        await history.AdvanceAsync(rule, replay, toMs, readAhead: true, cancellationToken).ConfigureAwait(false);
        var events = replay.Events;

        // Judged now with the replay's memory when the range ends now (the default): the
        // baselines as of now. A range that ends earlier leaves them behind: none are used now.
        var groups = new RuleEvaluator().Evaluate(rule, store, now.ToUnixTimeMilliseconds(), now - range.To <= TimeSpan.FromMinutes(1) ? memory : null)
            .OrderBy(g => g.Group.ToString(), StringComparer.Ordinal)
            .ToArray();
        var fired = events.Where(e => e.To == AlertStatus.Firing).Select(e => e.Group).ToHashSet();
        var series = timeline
            .OrderBy(s => fired.Contains(s.Key) ? 0 : 1).ThenBy(s => s.Key.ToString(), StringComparer.Ordinal)
            .Take(RuleTestResponse.MaxSeries)
            .Select(s => new RuleTestSeries(
                Labels(s.Key),
                [.. s.Value.Where(p => p.Value is not null).Select(p => new[] { p.At.ToUnixTimeSeconds(), p.Value!.Value })],
                [.. s.Value.Where(p => p.Threshold is not null).Select(p => new[] { p.At.ToUnixTimeSeconds(), p.Threshold!.Value })]))
            .ToArray();

        var headline = groups.Where(g => g.State == ConditionState.Met).Concat(groups).FirstOrDefault();
        return TypedResults.Ok(new RuleTestResponse(
            ruleId,
            now,
            groups.Any(g => g.State == ConditionState.Met),
            headline?.Value,
            headline?.Threshold,
            [.. groups.Select(g => new RuleTestGroup(Labels(g.Group), StateName(g.State), g.Value, g.Threshold, g.DataPoints))],
            range.From,
            range.To,
            range.Step.TotalSeconds,
            [.. events.Select(e => new RuleTestEvent(e.At, Labels(e.Group), e.From?.ToWire(), e.To.ToWire(), e.Value, e.Threshold, e.Notified))],
            new RuleTestSummary(
                events.Count(e => e.To == AlertStatus.Firing && e.From != AlertStatus.Firing),
                events.Count(e => e.To == AlertStatus.Resolved && e.From is not (null or AlertStatus.Pending)),
                events.Count(e => e.Notified && e.To == AlertStatus.Firing && e.From != AlertStatus.Firing)),
            series));
    }

    private static (TestRange? Range, ProblemHttpResult? Problem) ParseRange(HttpRequest request, TimeProvider time)
    {
        var query = request.Query;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var to = now;
        if (query.ContainsKey("to") && !QueryParsing.TryParseTime(query["to"], out to))
        {
            errors["to"] = [QueryParsing.TimeProblem];
            to = now;
        }
        else if (to > now + MaxAhead)
        {
            // Minutes that have not happened yet have no data: replayed, they would fire every no-data and traffic rule.
            errors["to"] = ["must not be in the future: the replay judges stored history"];
            to = now;
        }
        else if (to > now)
        {
            to = now; // a client's clock a little ahead
        }

        var from = to - DefaultRange;
        if (query.ContainsKey("from") && !QueryParsing.TryParseTime(query["from"], out from))
        {
            errors["from"] = [QueryParsing.TimeProblem];
        }
        else if (errors.Count == 0 && from >= to)
        {
            errors["from"] = ["must be before 'to'"];
        }

        var step = TimeSpan.FromMinutes(1);
        if (query.ContainsKey("step") && (!QueryParsing.TryParseDuration(query["step"], out step) || step < TimeSpan.FromMinutes(1)))
        {
            errors["step"] = ["must be a duration of at least 1m (the stored history has one rollup a minute)"];
        }
        else if (errors.Count == 0 && (to - from) / step > MaxSteps)
        {
            errors["step"] = [$"the range holds more than {MaxSteps} steps: use a longer step or a shorter range"];
        }

        return errors.Count == 0
            ? (new TestRange(from, to, step), null)
            : (null, Problems.Validation("The test range is invalid.", errors));
    }

    private static Dictionary<string, string> Labels(LabelSet labels) =>
        labels.Pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static string StateName(ConditionState state) => state switch
    {
        ConditionState.Met => "met",
        ConditionState.NotMet => "not_met",
        _ => "not_enough_data",
    };

    private sealed record TestRange(DateTimeOffset From, DateTimeOffset To, TimeSpan Step);
}
