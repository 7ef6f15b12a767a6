using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Vigil.Server.Http;

namespace Vigil.Server.Queries;

/// <summary>
/// Refuses a query whose estimated <see cref="QueryCost"/> is over
/// <see cref="QueryOptions.MaxCost"/>, before the work is done, with a 422 problem that names
/// the limit and says how to ask for less.
/// </summary>
internal sealed class QueryBudget(IOptions<QueryOptions> options)
{
    /// <summary>The setting that bounds a query's cost.</summary>
    public const string Setting = QueryOptions.Section + ":" + nameof(QueryOptions.MaxCost);

    /// <summary>The most cost units one query may use.</summary>
    public long MaxCost => options.Value.MaxCost;

    /// <summary>
    /// How many stored rows a query that has already spent <paramref name="spent"/> may still
    /// read, plus one: a count of the rows to read stops there, so counting is bounded too.
    /// </summary>
    public long RowsToCount(QueryCost spent) => Math.Max(0, MaxCost - spent.Units) / QueryCost.StoredRowCost + 1;

    /// <summary>A 422 problem when <paramref name="cost"/> is over the budget, else null.</summary>
    /// <param name="cost">The estimated cost.</param>
    /// <param name="advice">Per query parameter, how to ask for less (e.g. <c>step</c>: use a larger step).</param>
    public ProblemHttpResult? Check(QueryCost cost, IReadOnlyDictionary<string, string> advice)
    {
        ArgumentNullException.ThrowIfNull(advice);
        var units = cost.Units;
        if (units <= MaxCost)
        {
            return null;
        }

        var detail = string.Format(
            CultureInfo.InvariantCulture,
            "The query would aggregate {0:N0} series over {1:N0} steps each and read {2:N0} stored rows: about {3:N0} cost units, over {4} ({5:N0}). Ask for less: {6}.",
            cost.Series, cost.Steps, cost.StoredRows, units, Setting, MaxCost, string.Join("; ", advice.Values));
        var errors = advice.ToDictionary(a => a.Key, a => new[] { a.Value }, StringComparer.Ordinal);
        var result = Problems.Validation(detail, errors, StatusCodes.Status422UnprocessableEntity, "The query is too expensive");
        var extensions = result.ProblemDetails.Extensions;
        extensions["cost"] = units;
        extensions["maxCost"] = MaxCost;
        extensions["limit"] = Setting;
        return result;
    }
}
