using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Monitoring;

namespace Vigil.Dashboard.Pages.Monitors;

/// <summary>One monitor: its state, uptime, response-time chart and check log.</summary>
public sealed class DetailModel(MonitorCatalog catalog) : PageModel
{
    /// <summary>Checks listed in the log.</summary>
    public const int LogLength = 50;

    /// <summary>The monitor.</summary>
    public MonitorView Monitor { get; private set; } = null!;

    /// <summary>Reads the monitor and its latest checks; 404 for an unknown id.</summary>
    public async Task<IActionResult> OnGetAsync(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64
            || await catalog.GetAsync(id, LogLength, HttpContext.RequestAborted).ConfigureAwait(false) is not { } monitor)
        {
            return NotFound();
        }

        Monitor = monitor;
        return Page();
    }
}
