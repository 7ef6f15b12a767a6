using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Queries;
using Vigil.Server.Http;

namespace Vigil.Server.Queries;

/// <summary>A query over its <see cref="QueryBudget"/> as the HTTP answer: a 422 problem naming the limit and saying how to ask for less.</summary>
internal static class QueryBudgetProblems
{
    /// <summary>A 422 problem when <paramref name="cost"/> is over the budget, else null.</summary>
    /// <param name="budget">The budget.</param>
    /// <param name="cost">The estimated cost.</param>
    /// <param name="advice">Per query parameter, how to ask for less (e.g. <c>step</c>: use a larger step).</param>
    public static ProblemHttpResult? Check(this QueryBudget budget, QueryCost cost, IReadOnlyDictionary<string, string> advice)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(advice);
        if (!budget.Exceeds(cost))
        {
            return null;
        }

        var errors = advice.ToDictionary(a => a.Key, a => new[] { a.Value }, StringComparer.Ordinal);
        var result = Problems.Validation(budget.Explain(cost, advice.Values), errors, StatusCodes.Status422UnprocessableEntity, "The query is too expensive");
        var extensions = result.ProblemDetails.Extensions;
        extensions["cost"] = cost.Units;
        extensions["maxCost"] = budget.MaxCost;
        extensions["limit"] = budget.Setting;
        return result;
    }
}
