using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Pages;

/// <summary>The in-app notification feed: unread first, each with a Mark read button and a link to its alert.</summary>
public sealed class NotificationsModel(AlertRepository alerts, IRuleSource rules) : PageModel
{
    /// <summary>The most entries shown.</summary>
    public const int Limit = 200;

    /// <summary>The entries: unread first, then newest first.</summary>
    public IReadOnlyList<StoredIntent> Entries { get; private set; } = [];

    /// <summary>The rule names of the open alerts, by alert id (the alert page names the others).</summary>
    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    /// <summary>Reads the feed.</summary>
    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        var feed = await alerts.IntentsAsync(Limit, unreadOnly: false, cancellationToken).ConfigureAwait(false);
        Entries = [.. feed.OrderBy(e => e.ReadAtMs is null ? 0 : 1).ThenByDescending(e => e.Id)];
        var ruleNames = (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id, r => r.Name, StringComparer.Ordinal);
        Names = (await alerts.OpenAsync(cancellationToken).ConfigureAwait(false))
            .ToDictionary(a => a.Id, a => ruleNames.GetValueOrDefault(a.RuleId, a.RuleId), StringComparer.Ordinal);
    }
}
