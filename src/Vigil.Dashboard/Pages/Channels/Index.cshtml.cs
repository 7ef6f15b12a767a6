using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Delivery;

namespace Vigil.Dashboard.Pages.Channels;

/// <summary>The channel list: type, enabled, breaker and newest delivery of each.</summary>
public sealed class IndexModel(DeliveryDashboard dashboard) : PageModel
{
    /// <summary>The channels, by name.</summary>
    public IReadOnlyList<ChannelRow> Channels { get; private set; } = [];

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync() => Channels = await dashboard.ChannelsAsync(HttpContext.RequestAborted).ConfigureAwait(false);
}
