using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Core.Alerts;
using Vigil.Dashboard.Alerts;
using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Pages.Alerts;

/// <summary>One alert: what, since when, how bad, its history and deliveries, a chart, and the actions.</summary>
public sealed class DetailModel(AlertRepository alerts, IRuleSource rules, AlertDeliveries deliveries) : PageModel
{
    /// <summary>The alert; null when there is none with that id (the page answers 404).</summary>
    public AlertInstance? Alert { get; private set; }

    /// <summary>Its rule; null when the rule is gone.</summary>
    public AlertRule? Rule { get; private set; }

    /// <summary>Its transitions, oldest first.</summary>
    public IReadOnlyList<AlertTransition> Transitions { get; private set; } = [];

    /// <summary>Its notifications and their deliveries, oldest first.</summary>
    public IReadOnlyList<NotificationLine> Notifications { get; private set; } = [];

    /// <summary>The id asked for.</summary>
    public string Id { get; private set; } = "";

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync(string? id)
    {
        id ??= string.Empty; // model binding makes a blank segment (/x/%20) null: no such item
        var cancellationToken = HttpContext.RequestAborted;
        Id = id.Length > AlertPages.MaxIdLength ? id[..AlertPages.MaxIdLength] + "…" : id;
        Alert = id.Length > AlertPages.MaxIdLength ? null : await alerts.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (Alert is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        Rule = (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Id == Alert.RuleId);
        Transitions = await alerts.TransitionsAsync(id, cancellationToken).ConfigureAwait(false);
        Notifications = await deliveries.LoadAsync(Alert, cancellationToken).ConfigureAwait(false);
    }
}
