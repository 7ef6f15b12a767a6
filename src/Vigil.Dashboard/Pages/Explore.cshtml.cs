using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Dashboard.Explore;
using Vigil.Storage.Queries;

namespace Vigil.Dashboard.Pages;

/// <summary>
/// The metrics explorer: a metric, label matchers, aggregation, step and range, all in the URL (a
/// GET form); a chart per series (one chart for all when there are few) and a table of the values.
/// </summary>
public sealed class ExploreModel(MetricStore store, SeriesQuery series, QueryBudget budget) : PageModel
{
    /// <summary>Series drawn together on one chart up to this many; past it, a chart each.</summary>
    public const int OneChartUpTo = 5;

    /// <summary>The most charts drawn (the table lists every series).</summary>
    public const int MaxCharts = 20;

    /// <summary>The ranges the picker offers.</summary>
    public static IReadOnlyList<string> Ranges { get; } = ["15m", "1h", "6h", "24h", "7d"];

    /// <summary>The query as the URL holds it.</summary>
    public ExploreQuery Query { get; private set; } = null!;

    /// <summary>Problems by field (the page is then a 400).</summary>
    public Dictionary<string, string[]> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>Why the query was refused as too expensive, if it was.</summary>
    public string? Refused { get; private set; }

    /// <summary>The query that ran.</summary>
    public SeriesQuerySpec? Spec { get; private set; }

    /// <summary>The answer.</summary>
    public IReadOnlyList<SeriesLine> Lines { get; private set; } = [];

    /// <summary>Metric names for the picker (in memory now).</summary>
    public IReadOnlyList<string> MetricNames { get; private set; } = [];

    /// <summary>The problem of a field, or null.</summary>
    public string? ErrorOf(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    /// <summary>Runs the query of the URL; a submitted <c>labels</c> text becomes <c>match[label]</c> parameters (a redirect).</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        Query = ExploreQuery.From(Request.Query);
        MetricNames = [.. store.Families.Select(f => f.Name).Order(StringComparer.Ordinal).Take(1000)];
        if (Request.Query.ContainsKey("labels"))
        {
            var matchers = ExploreQuery.ParseLabels(Request.Query["labels"], out var problem);
            if (matchers is null)
            {
                Errors["labels"] = [problem!];
                Response.StatusCode = StatusCodes.Status400BadRequest;
                return Page();
            }

            return Redirect((Query with { Matchers = matchers }).Url());
        }

        if (!Query.HasMetric)
        {
            return Page();
        }

        Spec = Query.ToSpec(store.NowMs, Errors);
        if (Spec is null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        switch (await series.RunAsync(Spec, budget, combine: false, HttpContext.RequestAborted).ConfigureAwait(false))
        {
            case SeriesFound found:
                Lines = found.Series;
                break;
            case SeriesInvalid invalid:
                Errors[invalid.Field] = [invalid.Message];
                Response.StatusCode = StatusCodes.Status400BadRequest;
                break;
            case SeriesRefused refused:
                Refused = budget.Explain(refused.Cost, ["use a shorter range", "a larger step", "or match fewer series"]);
                Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
                break;
        }

        return Page();
    }
}
