using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Delivery;
using Vigil.Notifications.Resilience;

namespace Vigil.Dashboard.Pages.Deliveries;

/// <summary>
/// The delivery log (<c>?status=&amp;channel=&amp;limit=</c>), the dead letters with Replay, and
/// the circuit breaker of every destination.
/// </summary>
public sealed class IndexModel(DeliveryDashboard dashboard) : PageModel
{
    private const int DefaultLimit = 100;

    /// <summary>The status filter, null for all.</summary>
    [FromQuery(Name = "status")]
    public string? Status { get; set; }

    /// <summary>The channel filter (an id), null for all.</summary>
    [FromQuery(Name = "channel")]
    public string? Channel { get; set; }

    /// <summary>How many deliveries the log shows (1-500).</summary>
    [FromQuery(Name = "limit")]
    public string? LimitText { get; set; }

    /// <summary>What is wrong with the query, shown instead of the log.</summary>
    public string? QueryError { get; private set; }

    /// <summary>The log.</summary>
    public IReadOnlyList<DeliveryRow> Log { get; private set; } = [];

    /// <summary>The newest dead letters.</summary>
    public IReadOnlyList<DeliveryRow> Dead { get; private set; } = [];

    /// <summary>Channel names by id.</summary>
    public IReadOnlyDictionary<string, string> ChannelNames { get; private set; } = new Dictionary<string, string>();

    /// <summary>Every destination's breaker.</summary>
    public IReadOnlyList<DestinationHealth> Breakers { get; private set; } = [];

    /// <summary>Reads the page's data; 400 with the page and a message for a bad query.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        Status = string.IsNullOrEmpty(Status) ? null : Status;
        Channel = string.IsNullOrEmpty(Channel) ? null : Channel;
        var limit = DefaultLimit;
        if (Status is not null && !DeliveryStatuses.All.Contains(Status, StringComparer.Ordinal))
        {
            QueryError = "The status must be one of pending, failed, succeeded or dead.";
        }
        else if (Channel is { Length: > 64 })
        {
            QueryError = "That is not a channel id.";
        }
        else if (!string.IsNullOrEmpty(LimitText) && (!int.TryParse(LimitText, out limit) || limit is < 1 or > DeliveryDashboard.MaxLimit))
        {
            QueryError = $"The limit must be a whole number from 1 to {DeliveryDashboard.MaxLimit}.";
        }

        ChannelNames = await dashboard.ChannelNamesAsync(cancellationToken).ConfigureAwait(false);
        Breakers = dashboard.Breakers();
        Dead = await dashboard.DeliveriesAsync("dead", null, 50, cancellationToken).ConfigureAwait(false);
        if (QueryError is not null)
        {
            Status = null;
            Channel = null;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Log = await dashboard.DeliveriesAsync(Status, Channel, limit, cancellationToken).ConfigureAwait(false);
        return Page();
    }

    /// <summary>A channel's name, else its id.</summary>
    public string NameOf(string? channelId) => channelId is null ? "—" : ChannelNames.GetValueOrDefault(channelId) ?? channelId;
}
