using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Monitoring;

namespace Vigil.Dashboard.Pages.Monitors;

/// <summary>Every uptime monitor with its state and uptime; admins add one here.</summary>
public sealed class IndexModel(MonitorCatalog catalog) : PageModel
{
    /// <summary>The monitors, by name.</summary>
    public IReadOnlyList<MonitorView> Monitors { get; private set; } = [];

    /// <summary>Reads the monitors (no checks: the list shows the state and the uptime).</summary>
    public async Task OnGetAsync() => Monitors = await catalog.ListAsync(0, HttpContext.RequestAborted).ConfigureAwait(false);
}
