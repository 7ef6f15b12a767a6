using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Metrics;
using Vigil.Server.Auth;
using Vigil.Server.Http;
using Vigil.Server.Ingestion;
using Vigil.Storage.Keys;
using Vigil.Storage.Metrics;

namespace Vigil.Server.Quotas;

/// <summary>
/// <c>GET /api/v1/series/usage</c> (each key's series against its quota) and
/// <c>DELETE /api/v1/series</c> (drop series from memory and storage, freeing quota); admin.
/// </summary>
internal static class SeriesQuotaEndpoints
{
    public static IEndpointRouteBuilder MapSeriesQuotaEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/series/usage", UsageAsync)
            .RequireAuthorization(Policies.Admin)
            .WithTags("Series")
            .WithSummary("Series in memory per API key, against each key's quotas.");
        app.MapDelete("/api/v1/series", DropAsync)
            .RequireAuthorization(Policies.Admin)
            .WithTags("Series")
            .WithSummary("Drops the series of a metric (those matching every match[label]=value) from memory and storage, with their history.")
            .WithDescription("Query: metric (required), match[label]=value (repeatable, one value per label; an empty value matches series without the label).")
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<Ok<SeriesUsageResponse>> UsageAsync(MetricStore store, ApiKeyRepository keys, IngestQuotas quotas, CancellationToken cancellationToken)
    {
        var ownership = store.Ownership();
        var usage = new List<KeyUsage>();
        foreach (var key in await keys.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var series = ownership.Of(key.Id);
            if (key.RevokedAtMs is null || series > 0)
            {
                var holder = key.AsQuotaHolder();
                usage.Add(new KeyUsage(key.Id, key.Name, key.Role, series, quotas.SeriesQuotaOf(holder), quotas.PointsPerSecondOf(holder), key.RevokedAtMs is not null));
            }
        }

        return TypedResults.Ok(new SeriesUsageResponse(
            ownership.Total, ownership.MaxSeries, ownership.Unowned, [.. usage.OrderByDescending(u => u.Series).ThenBy(u => u.Name, StringComparer.Ordinal)]));
    }

    private static async Task<Results<Ok<DroppedSeriesResponse>, ProblemHttpResult>> DropAsync(
        HttpRequest request, MetricStore store, RollupRepository rollups, Vigil.Server.Cluster.AggregateSharing sharing, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var validator = new PointValidator(store.Options);
        var metric = request.Query["metric"];
        if (metric.Count > 1)
        {
            errors["metric"] = ["must be given once"];
        }
        else if (validator.CheckName(metric.ToString()) is { } problem)
        {
            errors["metric"] = [problem];
        }

        var matchers = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in request.Query)
        {
            if (key.StartsWith("match[", StringComparison.Ordinal) && key.EndsWith(']'))
            {
                var label = key[6..^1];
                if (!MetricNames.IsValidLabelName(label))
                {
                    errors[key] = ["must name a label: match[label]=value, the label matching [a-zA-Z_][a-zA-Z0-9_]*"];
                }
                else if (values.Count != 1)
                {
                    errors[key] = ["must be given once"];
                }
                else
                {
                    matchers.Add(new(label, values.ToString()));
                }
            }
            else if (key != "metric")
            {
                errors[key] = ["is not a known parameter (metric, match[label])"];
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation("Nothing was dropped.", errors);
        }

        var name = metric.ToString();
        var dropped = store.Family(name) is { } family
            ? store.Drop([.. family.Series.Where(s => s.Labels.Matches(matchers))])
            : 0;
        var stored = await rollups.SeriesOfMetricAsync(name, cancellationToken).ConfigureAwait(false);
        var deleted = await rollups.DeleteSeriesAsync(
            [.. stored.Where(s => LabelSet.ParseKeyLabels(s.Key).Matches(matchers)).Select(s => s.Id)], cancellationToken).ConfigureAwait(false);
        await sharing.DeleteShipmentsAsync(name, labels => labels.Matches(matchers), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new DroppedSeriesResponse(name, dropped, deleted));
    }
}
