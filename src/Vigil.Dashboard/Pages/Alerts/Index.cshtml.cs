using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Core.Alerts;
using Vigil.Dashboard.Alerts;
using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Pages.Alerts;

/// <summary>The alert list: active, acknowledged, silenced and resolved alerts, filtered by the query string.</summary>
public sealed class IndexModel(AlertRepository alerts, IRuleSource rules) : PageModel
{
    /// <summary>The alerts shown, newest first.</summary>
    public IReadOnlyList<AlertInstance> Alerts { get; private set; } = [];

    /// <summary>Every rule, by id (names, comparisons, the rule filter's choices).</summary>
    public IReadOnlyDictionary<string, AlertRule> Rules { get; private set; } = new Dictionary<string, AlertRule>();

    /// <summary>What is wrong with the filter (the page then answers 400).</summary>
    public IReadOnlyDictionary<string, string> Errors { get; private set; } = new Dictionary<string, string>();

    /// <summary>Whether any filter is set.</summary>
    public bool Filtered { get; private set; }

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        Rules = (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id, StringComparer.Ordinal);
        var query = AlertPages.Parse(Request.Query);
        Filtered = Request.Query.Any(q => q.Value.ToString().Length > 0);
        if (query.Filter is not { } filter)
        {
            Errors = query.Errors;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Alerts = await alerts.ListAsync(filter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The name of an alert's rule (its id when the rule is gone).</summary>
    public string RuleName(AlertInstance alert) => Rules.TryGetValue(alert.RuleId, out var rule) ? rule.Name : alert.RuleId;
}
