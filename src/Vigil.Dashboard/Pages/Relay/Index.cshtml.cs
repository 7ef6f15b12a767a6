using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Delivery;
using Vigil.Delivery.Relay;
using Vigil.Storage.Delivery;

namespace Vigil.Dashboard.Pages.Relay;

/// <summary>
/// The webhook relay (seed 000): its counts, the endpoints with their integrations (each with its
/// <c>maxConcurrency</c>, saved through <c>PATCH /api/v1/channels/{id}</c>, and its delivery
/// stats), and the request log.
/// </summary>
public sealed class IndexModel(DeliveryDashboard dashboard) : PageModel
{
    private const int RequestLogSize = 50;

    /// <summary>Endpoints, integrations, requests today, queue pending.</summary>
    public RelayDashboardStats Stats { get; private set; } = new(0, 0, 0, 0);

    /// <summary>The endpoints with their channels.</summary>
    public IReadOnlyList<RelayEndpointView> Endpoints { get; private set; } = [];

    /// <summary>Relay delivery stats per channel id.</summary>
    public IReadOnlyDictionary<string, IntegrationStats> IntegrationStats { get; private set; } = new Dictionary<string, IntegrationStats>();

    /// <summary>The newest relayed requests.</summary>
    public IReadOnlyList<RelayRequestRecord> Requests { get; private set; } = [];

    /// <summary>Endpoint slugs by id, for the request log.</summary>
    public IReadOnlyDictionary<string, string> Slugs { get; private set; } = new Dictionary<string, string>();

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        Stats = await dashboard.RelayStatsAsync(cancellationToken).ConfigureAwait(false);
        Endpoints = await dashboard.RelayEndpointsAsync(cancellationToken).ConfigureAwait(false);
        IntegrationStats = await dashboard.IntegrationStatsAsync(cancellationToken).ConfigureAwait(false);
        Requests = await dashboard.RelayRequestsAsync(RequestLogSize, cancellationToken).ConfigureAwait(false);
        Slugs = Endpoints.ToDictionary(e => e.Endpoint.Id, e => e.Endpoint.Slug, StringComparer.Ordinal);
    }
}
