using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Pages;

/// <summary>The in-app notification feed: unread first, each with a Mark read button and a link to its alert.</summary>
public sealed class NotificationsModel(AlertRepository alerts) : PageModel
{
    /// <summary>The most entries shown.</summary>
    public const int Limit = 200;

    /// <summary>The entries: unread first, then newest first.</summary>
    public IReadOnlyList<StoredIntent> Entries { get; private set; } = [];

    /// <summary>Reads the feed.</summary>
    public async Task OnGetAsync()
    {
        var feed = await alerts.IntentsAsync(Limit, unreadOnly: false, HttpContext.RequestAborted).ConfigureAwait(false);
        Entries = [.. feed.OrderBy(e => e.ReadAtMs is null ? 0 : 1).ThenByDescending(e => e.Id)];
    }
}
